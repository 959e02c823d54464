"""What the import pages show of a batch."""

from collections import Counter
from dataclasses import dataclass

from imports.checks import Action, RowCheck
from imports.models import ImportBatch


@dataclass
class BatchSummary:
    """What the preview page shows of a batch."""

    counts: dict[str, int]
    problem_rows: list[RowCheck]
    warning_rows: list[RowCheck]
    write_rows: list[RowCheck]
    can_apply: bool
    main_year: int | None


def summarize_batch(batch: ImportBatch) -> BatchSummary:
    """Counts and row groups of a batch: problems first, then warnings, then rows to write."""
    checks = [RowCheck.from_json(data) for data in batch.rows]
    counts = Counter(check.action for check in checks if not check.problems)
    problem_rows = [check for check in checks if check.problems]
    write_rows = [check for check in checks if check.writes]
    years = Counter(check.year for check in write_rows)
    return BatchSummary(
        counts={
            "create": counts[Action.CREATE],
            "update": counts[Action.UPDATE],
            "unchanged": counts[Action.UNCHANGED],
            "skip": counts[Action.SKIP],
            "problems": len(problem_rows),
        },
        problem_rows=problem_rows,
        warning_rows=[check for check in checks if check.warnings and not check.problems],
        write_rows=write_rows,
        can_apply=batch.state == ImportBatch.State.CHECKED
        and not problem_rows
        and bool(write_rows),
        main_year=years.most_common(1)[0][0] if years else None,
    )
