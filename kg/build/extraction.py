"""Texts to mentions, in bounded batches, in this process or in N worker processes.

Workers are started with spawn, not fork: a forked child of a process that has an Oxigraph
database open for writing can hang (see kg.sparql). Each worker gets the thesaurus from the build and loads the
extraction pipeline once; the rows it sends back are ordered by place, not by arrival
(kg.build.mentions), so any number of workers gives the same graph.
"""

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

BATCH = 1000  # texts a worker reads at a time: enough to keep nlp.pipe busy, few enough to bound memory

_worker = {}


def _load(spellings: dict[str, str], thesaurus):
    from .. import nlp

    pipeline = nlp.load(thesaurus, datasets=spellings)
    return {"nlp": pipeline, "known": thesaurus.normalised_labels(), "version": nlp.pipeline_version(pipeline),
            "degraded": pipeline.meta.get("kg_degraded")}


def _init(spellings: dict[str, str], thesaurus, parent: int) -> None:
    from ..lifecycle import die_with_parent

    die_with_parent(parent=parent)  # a worker must not outlive a build that was killed, even with kill -9
    _worker.update(_load(spellings, thesaurus))


def _read(texts, worker=None) -> tuple[list, list, str, str | None]:
    from ..extract import read_texts
    from .mentions import rows_of

    worker = worker or _worker
    found, chunks = [], []
    for item, f, c in read_texts(texts, worker["nlp"], worker["known"]):
        rf, rc = rows_of(item, f, c)
        found += rf
        chunks += rc
    return found, chunks, worker["version"], worker["degraded"]


class Extraction:
    """Collects texts and sends each full batch to be read; `on_rows(found, chunks)` gets the results."""

    def __init__(self, spellings: dict[str, str], on_rows, thesaurus, jobs: int = 1):
        # Workers get the thesaurus and the dataset spellings (kg.datasets) made, not the ontology files to
        # parse: a parse would cost each worker about 30 MB that it never gives back.
        self.spellings = spellings
        self.thesaurus = thesaurus
        self.on_rows = on_rows
        self.jobs = jobs
        self.batch: list = []
        self.pending: list = []
        self.pool = None
        self.local = None  # the pipeline, when this process reads the texts itself
        self.version = self.degraded = None

    def add(self, text) -> None:
        self.batch.append(text)
        if len(self.batch) >= BATCH:
            self._send()

    def _send(self) -> None:
        batch, self.batch = self.batch, []
        if not batch:
            return
        if self.jobs <= 1:
            self.local = self.local or _load(self.spellings, self.thesaurus)
            self._done(_read(batch, self.local))
            return
        if self.pool is None:
            self.pool = ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_init, initargs=(self.spellings, self.thesaurus, os.getpid()))
        self.pending.append(self.pool.submit(_read, batch))
        while len(self.pending) > 2 * self.jobs:  # a bounded queue: the reader waits for the workers
            self._done(self.pending.pop(0).result())

    def _done(self, result) -> None:
        found, chunks, self.version, self.degraded = result
        self.on_rows(found, chunks)

    def finish(self) -> None:
        """Read what is left and wait for every worker; then `version` names the pipeline (None if no text)."""
        try:
            self._send()
            for future in self.pending:
                self._done(future.result())
            self.pending = []
        finally:
            if self.pool is not None:
                self.pool.shutdown(cancel_futures=True)
                self.pool = None
            self.local = None
