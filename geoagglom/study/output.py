"""Output folders written atomically: complete, or not there at all."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from geoagglom.errors import InputError


def write_folder(out_dir, write, *, replace=False):
    """Write a folder through a temporary sibling, renamed into place when complete.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The folder to create.
    write : callable
        ``write(folder)`` fills the temporary folder and returns anything (passed
        back to the caller). Paths it returns point into the temporary folder.
    replace : bool or "own", default False
        When ``out_dir`` exists and is not empty: ``False`` is an error (raised
        before ``write`` runs); ``True`` replaces it; ``"own"`` replaces it only if
        it holds nothing but names the new output also has (an earlier run of
        the same job), and is an error otherwise.

    Returns
    -------
    tuple
        ``(result of write, temporary folder path, final folder path)``; use the
        two paths to rewrite paths in the result.

    Raises
    ------
    InputError
        If ``out_dir`` exists, is not empty and may not be replaced. On any error
        the temporary folder is removed and ``out_dir`` is left as it was.
    """
    out_dir = Path(out_dir).absolute()
    occupied = out_dir.exists() and any(out_dir.iterdir())
    if occupied and replace is False:
        raise InputError(
            f"The output folder {out_dir} exists and is not empty; choose another "
            "folder or allow replacing it (overwrite=True, --overwrite)."
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".partial", dir=out_dir.parent))
    try:
        result = write(tmp)
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private; the output is not
        if occupied:
            if replace == "own":
                foreign = sorted(set(os.listdir(out_dir)) - set(os.listdir(tmp)))
                if foreign:
                    raise InputError(
                        f"{out_dir} exists and holds files this job does not write "
                        f"({', '.join(foreign[:5])}); choose another output folder."
                    )
            aside = tmp.with_name(tmp.name + ".old")
            os.replace(out_dir, aside)
            try:
                os.replace(tmp, out_dir)
            except BaseException:
                os.replace(aside, out_dir)
                raise
            shutil.rmtree(aside)
        else:
            os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return result, tmp, out_dir


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
