"""The embedded store: an Oxigraph database on disk, in generations.

A build writes a fresh database beside the live one and then swaps a symlink,
so readers always see either the old graph or the new one, never half of one.
"""

import fcntl
import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

from ..errors import StoreError
from .base import Generation, Reader, sources_of
from .snapshot import SUFFIX as SNAPSHOT
from .snapshot import Snapshot

CURRENT = "current"
MENTIONS = ".mentions.sqlite"  # beside each generation's database


def _remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    shutil.rmtree(str(path) + SNAPSHOT, ignore_errors=True)
    Path(str(path) + MENTIONS).unlink(missing_ok=True)
    if path.is_file():
        path.unlink(missing_ok=True)


def default_location() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("kg")) / "store"


def resolve(location: str | None) -> Path:
    """--store, else $KG_STORE, else the per-user data directory."""
    chosen = location or os.environ.get("KG_STORE")
    return Path(chosen).expanduser() if chosen else default_location()


class LocalStore:
    def __init__(self, root: Path):
        self.root = Path(root)

    def __str__(self) -> str:
        return str(self.root)

    def exists(self) -> bool:
        return (self.root / CURRENT).exists()

    @contextmanager
    def writing(self):
        """Hold the store for one build, from before the sources are read until the new graph is live:
        a second build fails at once instead of after minutes of work."""
        if getattr(self, "_held", False):
            yield
            return
        if self.root.exists() and not self.root.is_dir():
            raise StoreError(f"{self.root}: is a file, not a store directory", hint="give --store a directory")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fh = open(self.root / ".lock", "w")
        except OSError as exc:
            raise StoreError(f"{self.root}: cannot write the store ({exc.strerror or exc})",
                             hint="choose a --store directory you can write to") from None
        with fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreError(f"{self.root}: another build is writing this store",
                                 hint="wait for it to finish") from None
            self._held = True
            try:
                yield
            finally:
                self._held = False

    def sources(self) -> dict[str, str]:
        """The source files the live graph was built from: relative name -> file URI."""
        return sources_of(self.reader()) if self.exists() else {}

    @contextmanager
    def generation(self, base: bool = False):
        """A fresh writable database, live once the block ends without error; on error it is removed and
        the live graph stays. With `base`, it starts as a copy of the live one (Oxigraph's backup makes
        hard links, so this costs little even for a large store) with the live one's mentions, so a
        build can replace some sources and keep the rest."""
        import pyoxigraph as ox

        with self.writing():
            self._sweep()
            fresh = self.root / f"gen-{uuid.uuid4().hex}"
            try:
                if base:
                    ox.Store.read_only(self.live_path()).backup(str(fresh))
                    live_mentions = Path(self.live_path() + MENTIONS)
                    if live_mentions.exists():
                        shutil.copyfile(live_mentions, str(fresh) + MENTIONS)
                db = ox.Store(str(fresh))
                yield Generation(db, Path(str(fresh) + MENTIONS), Path(str(fresh) + SNAPSHOT))
                db.flush()
                if not base:  # a copy changed in a few places is left to RocksDB's own compaction
                    db.optimize()
                del db
                link = self.root / f".{CURRENT}.{uuid.uuid4().hex}"
                os.symlink(fresh.name, link)
                os.replace(link, self.root / CURRENT)
            except OSError as exc:
                _remove(fresh)
                raise StoreError(f"{self.root}: cannot write the new graph ({exc.strerror or exc}); "
                                 "the previous graph is untouched", hint="free some space and build again") from None
            except BaseException:
                _remove(fresh)
                raise
            self._sweep()

    def mentions(self) -> Path | None:
        """What the live graph's texts name, kept for builds that replace one source (kg.build.mentions)."""
        if not self.exists():
            return None
        path = Path(self.live_path() + MENTIONS)
        return path if path.exists() else None

    def _sweep(self) -> None:
        """Remove databases a crashed or superseded build left behind."""
        live = os.readlink(self.root / CURRENT) if (self.root / CURRENT).is_symlink() else None
        for p in self.root.glob("gen-*"):
            if p.name not in (live, f"{live}{MENTIONS}", f"{live}{SNAPSHOT}"):
                _remove(p)
        for p in self.root.glob(f".{CURRENT}.*"):
            p.unlink(missing_ok=True)
        for p in self.root.glob(".gen-*.tmp"):  # a snapshot a crashed build was writing
            shutil.rmtree(p, ignore_errors=True)

    def live_path(self) -> str:
        """The database directory readers use now (the symlink resolved, so a rebuild cannot move it)."""
        if not self.exists():
            raise StoreError(f"{self.root}: no graph has been built here", hint="run `kg build` first")
        return os.path.realpath(self.root / CURRENT)

    def reader(self) -> "Reader":
        live = self.live_path()  # once: the database and its snapshot must be of one generation
        return Reader(self.open(live), Snapshot(Path(live + SNAPSHOT)))

    def open(self, live: str | None = None):
        import pyoxigraph as ox

        try:
            return ox.Store.read_only(live or self.live_path())
        except OSError as exc:
            raise StoreError(f"{self.root}: cannot open the store: {exc}") from None


