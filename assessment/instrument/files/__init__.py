"""The instrument as files: competence frameworks, item banks and training catalogues read from YAML.

Pure Python (PyYAML, no Django).  The Django layer loads these files, checks them and stores what
comes back; scoring gets :class:`assessment.scoring.ItemSpec` objects through :func:`to_item_spec`.

Files (see ``assessment/data``):

* ``frameworks/<code>-<version>.yaml``: ``framework`` (code, version, name, source, licence), optional
  ``notes``, ``levels`` (number, code, name, description) and ``areas`` with their ``competences``
  (code, name, description and one descriptor per level).  Every text is ``{id: ..., en: ...}``.
* ``banks/<code>-<version>/bank.yaml``: ``bank`` (code, version, framework ``<code>-<version>``, title,
  parameters status, ``files``, optional ``anchors`` list) plus the item files it lists, each a mapping
  with one key ``items``.  Without ``files`` the loader reads ``area-*.yaml`` in natural order.
* ``training/<name>.yaml``: ``catalogue`` (code, version, title) and ``courses``.

Two stages, so that an operator sees every problem in one go:

* ``load_*`` checks *shapes* (the YAML parses, mappings are mappings, a level is a whole number, a
  competence code is quoted text, no unknown field names).  Anything wrong there raises
  :class:`BankError` with all problems found.  Fields that are merely missing load as empty values.
* :func:`validate_bank` checks *content* against a framework (keys, options, coverage, parameters...)
  and returns a list of problems; :func:`load_checked_bank` does both and raises.

:func:`check_unchanged` guards versions already used in a round: a used version is frozen.

All problems are written in Indonesian, because the operator who fixes the files reads them.  Each
names the file, the item (``butir``) and the field as it is spelt in YAML, e.g.
``"area-2.yaml, butir IKD-2.3-04: kunci jawaban (key) tidak diisi."``

Modules: ``model`` (the values and ``BankError``), ``reading`` (the YAML shape checks all loaders share),
``frameworks``, ``fingerprints``, ``banks``, ``validation`` and ``training``. Callers use the names below.
"""

from assessment.instrument.files.banks import load_bank, to_item_spec
from assessment.instrument.files.fingerprints import item_fingerprint
from assessment.instrument.files.frameworks import load_framework
from assessment.instrument.files.model import (
    DICHOTOMOUS_TYPES,
    MIN_PER_COMPETENCE,
    POLYTOMOUS_TYPES,
    Area,
    Bank,
    BankError,
    Competence,
    CompetenceLevel,
    Course,
    Framework,
    Item,
    Level,
    Option,
    TrainingCatalogue,
)
from assessment.instrument.files.reading import parse_framework_ref
from assessment.instrument.files.training import load_training_catalogue
from assessment.instrument.files.validation import check_unchanged, load_checked_bank, validate_bank
from assessment.scoring import ITEM_TYPES

__all__ = [
    "DICHOTOMOUS_TYPES",
    "ITEM_TYPES",
    "MIN_PER_COMPETENCE",
    "POLYTOMOUS_TYPES",
    "Area",
    "Bank",
    "BankError",
    "Competence",
    "CompetenceLevel",
    "Course",
    "Framework",
    "Item",
    "Level",
    "Option",
    "TrainingCatalogue",
    "check_unchanged",
    "item_fingerprint",
    "load_bank",
    "load_checked_bank",
    "load_framework",
    "load_training_catalogue",
    "parse_framework_ref",
    "to_item_spec",
    "validate_bank",
]
