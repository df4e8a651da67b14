"""Zips the package folder for `az functionapp deploy`: entries in a stable order, the unix mode kept (the Functions
host runs defaultExecutablePath, which must keep its executable bit), fixed timestamps so equal inputs give equal zips.

usage: python3 tools/zip_package.py <folder> <zip>
"""
import os
import stat
import sys
import zipfile

FIXED_TIME = (2020, 1, 1, 0, 0, 0)


def main(folder: str, target: str) -> None:
    paths = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        paths.extend(os.path.join(root, name) for name in sorted(files))
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in paths:
            name = os.path.relpath(path, folder).replace(os.sep, "/")
            info = zipfile.ZipInfo(name, FIXED_TIME)
            mode = stat.S_IMODE(os.stat(path).st_mode)
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.create_system = 3  # unix, so that the mode bits are honoured on extraction
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as source:
                archive.writestr(info, source.read())


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
