"""The schema of ``review.db``, as numbered migrations.

Script ``i`` of :data:`MIGRATIONS` takes ``PRAGMA user_version`` from ``i`` to
``i + 1``; a released script is never edited, a change is a new script.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS"]

_APPEND_ONLY = """
CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;
CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;
"""

_MIGRATION_1 = (
    """
CREATE TABLE batches (
    id          INTEGER PRIMARY KEY,
    path        TEXT NOT NULL,
    sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
    database    TEXT NOT NULL,
    format      TEXT NOT NULL,
    encoding    TEXT NOT NULL,
    n_records   INTEGER NOT NULL CHECK (n_records >= 0),
    imported_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX batches_sha256 ON batches (sha256);

CREATE TABLE records (
    id          INTEGER PRIMARY KEY,
    batch_id    INTEGER NOT NULL REFERENCES batches (id),
    position    INTEGER NOT NULL CHECK (position >= 0),
    database    TEXT NOT NULL,
    original_id TEXT,
    title       TEXT,
    abstract    TEXT,
    authors     TEXT,
    year        INTEGER,
    journal     TEXT,
    volume      TEXT,
    issue       TEXT,
    pages       TEXT,
    doi         TEXT,
    pmid        TEXT,
    keywords    TEXT,
    raw         TEXT,
    UNIQUE (batch_id, position)
);
CREATE INDEX records_doi ON records (doi);
CREATE INDEX records_pmid ON records (pmid);
CREATE INDEX records_year ON records (year);

-- Dedup decisions, latest per record wins; duplicate_of NULL means "unique"
-- (a split). The cluster id of a record is coalesce(duplicate_of, record_id).
CREATE TABLE duplicate_links (
    id           INTEGER PRIMARY KEY,
    record_id    INTEGER NOT NULL REFERENCES records (id),
    duplicate_of INTEGER REFERENCES records (id),
    confidence   REAL CHECK (confidence BETWEEN 0 AND 1),
    method       TEXT NOT NULL,
    decided_by   TEXT NOT NULL,
    decided_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    CHECK (duplicate_of IS NULL OR duplicate_of != record_id)
);
CREATE INDEX duplicate_links_record ON duplicate_links (record_id, id);
CREATE VIEW current_duplicates AS
    SELECT d.* FROM duplicate_links AS d
    WHERE d.id = (SELECT max(id) FROM duplicate_links WHERE record_id = d.record_id);

CREATE TABLE screening_events (
    id         INTEGER PRIMARY KEY,
    record_id  INTEGER NOT NULL REFERENCES records (id),
    reviewer   TEXT NOT NULL,
    stage      TEXT NOT NULL CHECK (stage IN ('title_abstract', 'full_text')),
    decision   TEXT NOT NULL CHECK (decision IN ('include', 'exclude', 'maybe')),
    reason     TEXT,
    note       TEXT,
    decided_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX screening_events_record ON screening_events (record_id, stage, reviewer);
CREATE INDEX screening_events_reviewer ON screening_events (reviewer, stage);

-- Extracted values, one per study, outcome, arm, time point and field; latest
-- per (record, reviewer, outcome, arm, timepoint, field) wins.
CREATE TABLE extraction_values (
    id         INTEGER PRIMARY KEY,
    record_id  INTEGER NOT NULL REFERENCES records (id),
    reviewer   TEXT NOT NULL,
    outcome_id TEXT NOT NULL DEFAULT '',
    arm        TEXT NOT NULL DEFAULT '',
    timepoint  TEXT NOT NULL DEFAULT '',
    field      TEXT NOT NULL,
    value      TEXT,
    entered_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX extraction_values_key
    ON extraction_values (record_id, outcome_id, arm, timepoint, field, reviewer);

-- Risk-of-bias judgements per study (and outcome), tool, domain and reviewer.
CREATE TABLE rob_judgements (
    id         INTEGER PRIMARY KEY,
    record_id  INTEGER NOT NULL REFERENCES records (id),
    reviewer   TEXT NOT NULL,
    tool       TEXT NOT NULL,
    outcome_id TEXT NOT NULL DEFAULT '',
    domain     TEXT NOT NULL,
    judgement  TEXT NOT NULL,
    support    TEXT,
    judged_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX rob_judgements_key
    ON rob_judgements (record_id, tool, outcome_id, domain, reviewer);
"""
    + _APPEND_ONLY.format(table="screening_events")
    + _APPEND_ONLY.format(table="duplicate_links")
)

# Screening events gain a kind: a decision, the retraction of one (undo; no
# decision), or the resolution of a conflict (by a resolver, or by consensus of
# the record's reviewers). The table is rebuilt and its rows copied as
# decisions; DROP TABLE drops the triggers first, so it fires none of them.
# Stage events (unblinding) and review settings (the seed of the dual-screening
# sample) are append-only too.
_MIGRATION_2 = (
    """
CREATE TABLE screening_events_v2 (
    id         INTEGER PRIMARY KEY,
    record_id  INTEGER NOT NULL REFERENCES records (id),
    reviewer   TEXT NOT NULL,
    stage      TEXT NOT NULL CHECK (stage IN ('title_abstract', 'full_text')),
    kind       TEXT NOT NULL DEFAULT 'decision'
               CHECK (kind IN ('decision', 'retraction', 'resolution')),
    decision   TEXT CHECK (decision IN ('include', 'exclude', 'maybe')),
    reason     TEXT,
    note       TEXT,
    consensus  INTEGER NOT NULL DEFAULT 0 CHECK (consensus IN (0, 1)),
    decided_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    CHECK ((kind = 'retraction') = (decision IS NULL)),
    CHECK (consensus = 0 OR kind = 'resolution')
);
INSERT INTO screening_events_v2
    (id, record_id, reviewer, stage, kind, decision, reason, note, decided_at)
    SELECT id, record_id, reviewer, stage, 'decision', decision, reason, note,
           decided_at
    FROM screening_events ORDER BY id;
DROP TABLE screening_events;
ALTER TABLE screening_events_v2 RENAME TO screening_events;
CREATE INDEX screening_events_record
    ON screening_events (record_id, stage, reviewer, kind);
CREATE INDEX screening_events_reviewer ON screening_events (reviewer, stage);

CREATE TABLE screening_stage_events (
    id         INTEGER PRIMARY KEY,
    stage      TEXT NOT NULL CHECK (stage IN ('title_abstract', 'full_text')),
    event      TEXT NOT NULL CHECK (event IN ('unblind')),
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- Settings of the review kept with its data; the first value of a key holds.
CREATE TABLE review_settings (
    id     INTEGER PRIMARY KEY,
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    set_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
"""
    + _APPEND_ONLY.format(table="screening_events")
    + _APPEND_ONLY.format(table="screening_stage_events")
    + _APPEND_ONLY.format(table="review_settings")
)

# The web app's accounts, sessions and invitations (passwords and tokens are
# stored hashed, never in clear); stage assignments (latest per reviewer and
# stage wins); and GRADE certainty judgements per outcome, timepoint and domain
# (append-only, latest wins), each with who decided and why.
_MIGRATION_3 = (
    """
CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('owner', 'reviewer')),
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY CHECK (length(token_hash) = 64),
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    expires_at TEXT NOT NULL
);
CREATE INDEX web_sessions_account ON web_sessions (account_id);

CREATE TABLE invitations (
    token_hash TEXT PRIMARY KEY CHECK (length(token_hash) = 64),
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('owner', 'reviewer')),
    invited_by TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    used_at    TEXT
);

CREATE TABLE stage_assignments (
    id          INTEGER PRIMARY KEY,
    reviewer    TEXT NOT NULL,
    stage       TEXT NOT NULL
                CHECK (stage IN ('title_abstract', 'full_text', 'extraction', 'rob')),
    active      INTEGER NOT NULL CHECK (active IN (0, 1)),
    assigned_by TEXT NOT NULL,
    assigned_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX stage_assignments_key ON stage_assignments (reviewer, stage, id);

CREATE TABLE grade_judgements (
    id            INTEGER PRIMARY KEY,
    outcome_id    TEXT NOT NULL,
    timepoint     TEXT NOT NULL DEFAULT '',
    comparison    TEXT NOT NULL DEFAULT '',
    domain        TEXT NOT NULL CHECK (domain IN (
                      'risk_of_bias', 'inconsistency', 'indirectness',
                      'imprecision', 'publication_bias', 'large_effect',
                      'dose_response', 'plausible_confounding')),
    rating        INTEGER NOT NULL CHECK (rating BETWEEN -2 AND 2),
    justification TEXT,
    decided_by    TEXT NOT NULL,
    decided_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX grade_judgements_key
    ON grade_judgements (outcome_id, timepoint, comparison, domain, id);
"""
    + _APPEND_ONLY.format(table="stage_assignments")
    + _APPEND_ONLY.format(table="grade_judgements")
)

# A record shown to a reviewer is held for them for a few minutes, so that a
# team dividing the records does not read the same abstract twice when it
# needs fewer reviewers. Holds are working state, not history: each reviewer
# has at most one per stage, replaced when the next record is shown.
_MIGRATION_4 = """
CREATE TABLE screening_holds (
    reviewer  TEXT NOT NULL,
    stage     TEXT NOT NULL CHECK (stage IN ('title_abstract', 'full_text')),
    record_id INTEGER NOT NULL REFERENCES records (id),
    until     TEXT NOT NULL,
    PRIMARY KEY (reviewer, stage)
);
"""

#: The schema, as SQL scripts; script ``i`` takes ``user_version`` from i to i + 1.
MIGRATIONS: tuple[str, ...] = (_MIGRATION_1, _MIGRATION_2, _MIGRATION_3, _MIGRATION_4)
