"""The task list: [{task_id, description, aliases}]."""

from ..errors import InputError
from ..records import TaskDef
from .text import clean, json_records, require


def read(path, text: str) -> list[TaskDef]:
    tasks = []
    for record, line in json_records(path, text):
        task_id = require(path, record, "task_id", line)
        aliases = record.get("aliases") or []
        if not isinstance(aliases, list):
            raise InputError(path, '"aliases" must be a list of strings', line=line)
        tasks.append(
            TaskDef(
                task_id=task_id,
                line=line,
                description=clean(record.get("description")),
                aliases=[a for a in (clean(x) for x in aliases) if a],
            )
        )
    if not tasks:
        raise InputError(path, "task list is empty", hint="add at least one task")
    return tasks
