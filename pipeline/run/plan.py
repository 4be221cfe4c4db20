"""What a run does with each file under IN: read it, or keep the rows an earlier run wrote."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from pipeline import __version__
from pipeline.corrections.audit import KindsRead
from pipeline.publish.store import is_mergeable, read_documents
from pipeline.run.sources import Source, discover_sources


@dataclass(frozen=True)
class Plan:
    """What a run does with each path: read it again, or keep the rows an earlier run wrote."""

    read: dict[str, Source]  # source_path → what to read
    keep: list[str]  # unchanged files, and files gone from IN when not pruning
    dropped: list[str]  # files gone from IN whose rows --prune removes

    @property
    def order(self) -> list[str]:
        return sorted([*self.read, *self.keep])


# codes that say nothing about the file (the cluster lost the node reading it): a re-run reads
# such a file again even when its bytes are unchanged
READ_AGAIN = frozenset({"node_lost"})


def plan_run(
    in_dir: Path,
    out_dir: Path,
    force: bool,
    prune: bool,
    not_a_submission: Path | None = None,
    kinds: dict[str, frozenset[tuple[str, int, str]]] | None = None,
    last_kinds: dict[str, KindsRead] | None = None,
) -> Plan:
    """Compare IN with the last run's documents table: unchanged bytes (sha256, same pipeline
    version) are kept, changed and new files read (and those whose node was lost), files gone
    from IN kept unless pruning. `not_a_submission` (the corrections file, kept beside the
    season or inside it) is never read as one. A file whose corrections of a form's kind
    (`kinds`, by source_path) are not those it was last read with (`last_kinds`) is read
    again with them: the kind decides how the form's table is read."""
    kinds, last_kinds = kinds or {}, last_kinds or {}
    previous = read_documents(out_dir) if is_mergeable(out_dir) else {}
    read: dict[str, Source] = {}
    keep: list[str] = []
    own = not_a_submission.resolve() if not_a_submission is not None else None
    for source in discover_sources(in_dir, out_dir):
        if own is not None and source.member is None and source.path.resolve() == own:
            continue
        old = previous.get(source.rel)
        unchanged = (
            old is not None
            and source.sha is not None
            and old["source_sha256"] == source.sha
            and old["pipeline_version"] == __version__
            and old["error_code"] not in READ_AGAIN
            and last_kinds.get(source.rel, KindsRead()).same_reading(
                kinds.get(source.rel, frozenset())
            )
        )
        if unchanged and not force:
            keep.append(source.rel)
        else:
            read[source.rel] = replace(source, form_kinds=tuple(sorted(kinds.get(source.rel, ()))))
    gone = sorted(set(previous) - set(read) - set(keep))
    return Plan(read=read, keep=keep + ([] if prune else gone), dropped=gone if prune else [])
