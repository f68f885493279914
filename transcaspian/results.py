"""Moved to :mod:`transcaspian.model.results` (this name is kept until every import is updated).

The integrator replaces ``from transcaspian.results import`` by
``from transcaspian.model.results import`` and deletes this file.
"""

from transcaspian.model.results import (  # noqa: F401
    Result,
    check_output_folder,
    frame_to_json,
    replace_dir,
    write_text_atomic,
)

check_result_folder = check_output_folder
