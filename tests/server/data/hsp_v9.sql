-- hsp-tui on PostgreSQL: tables and functions in the schema `hsp`.
--
-- Read by hsp_tui.storage.postgres.install, which applies in one transaction, as the database owner:
--   the domain's rules (storage/postgres/rules_sql.py: hsp._owner_key, hsp._blank, hsp._squash,
--   hsp._limit, hsp._text_fault, hsp._address_pattern, hsp._statuses, hsp._next_id ...; and
--   deadlines_sql.py: hsp._deadline, the deadline grammar; written from the Python values: no
--   status, limit, pattern or deadline form is spelled here), then the `--- version N` sections above
--   the database's recorded version (in order), then the `--- functions` section (always: CREATE
--   OR REPLACE), then the grants.
--
-- Who may do what is enforced here, not by the app:
--   hsp_reader  SELECT on the tables.
--   hsp_officer EXECUTE on the change functions below, nothing else: no INSERT, UPDATE or DELETE.
--   hsp_auditor an officer who may also verify (hsp.verify).
-- Each change function is SECURITY DEFINER (runs as the owner) with a fixed search_path; it locks
-- the item's row (SELECT ... FOR UPDATE), writes the item and appends its history entry with
-- `session_user` (the database's authenticated user, not a name a client claims) and the server's
-- time, in the caller's one transaction. It sends no NOTIFY (a full queue would fail the COMMIT):
-- the client does, after its COMMIT. History rows are never updated or deleted except by the owner.

--- version 1
CREATE TABLE hsp.info (
    key   text PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE hsp.plan (
    id         integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200 AND name !~ '[[:cntrl:]]'
                                           AND btrim(name) = name),
    meta       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(meta) = 'object'),
    changes    bigint NOT NULL DEFAULT 0,  -- one more with every change: the plan's version, read in O(1)
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL DEFAULT session_user
);

CREATE TABLE hsp.item (
    plan_id             integer NOT NULL REFERENCES hsp.plan (id),
    number              integer NOT NULL CHECK (number >= 1),
    ref                 text NOT NULL DEFAULT '',
    recommendation      text NOT NULL DEFAULT '',
    management_response text NOT NULL DEFAULT '',
    deadline            text NOT NULL DEFAULT '',
    owner               text NOT NULL DEFAULT '',
    status              text NOT NULL DEFAULT 'not_started'
                        CHECK (status IN ('not_started', 'in_progress', 'blocked', 'done', 'verified', 'dropped')),
    milestones          jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(milestones) = 'array'),
    revisions           jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(revisions) = 'array'),
    repairs             jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(repairs) = 'array'),
    PRIMARY KEY (plan_id, number)
);

-- `at` and `by` are the entry as shown (for entries made here: the server's time in UTC and
-- session_user; for history brought in by an import: as in the file). `recorded_at` and
-- `recorded_by` always say when and by whom the row was written into this database.
CREATE TABLE hsp.history (
    plan_id     integer NOT NULL,
    number      integer NOT NULL,
    id          integer NOT NULL CHECK (id >= 1),
    at          text NOT NULL,
    by          text NOT NULL,
    action      text NOT NULL,
    field       text,
    old         jsonb,
    new         jsonb,
    note        text,
    undoes      integer,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    recorded_by text NOT NULL DEFAULT session_user,
    PRIMARY KEY (plan_id, number, id),
    FOREIGN KEY (plan_id, number) REFERENCES hsp.item (plan_id, number)
);

-- Append-only: an UPDATE or DELETE of a history row is refused unless the session's own user is
-- the table's owner (or a superuser). The change functions run as the owner but keep the
-- caller's session_user, so even they cannot rewrite history.
CREATE FUNCTION hsp.history_append_only() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
        RAISE EXCEPTION 'history is append-only: % of a history entry refused', lower(TG_OP)
            USING ERRCODE = '42501';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON hsp.history
    FOR EACH ROW EXECUTE FUNCTION hsp.history_append_only();

--- version 2
-- Contacts (where reminders for each owner go) and the plan's own history (contacts set or
-- removed), each in a table of its own: officers change them only through hsp.set_contact.
-- Version 1 kept a plan file's contacts and plan history inside hsp.plan.meta as imported: they
-- are moved here. (Reminders are entries of the items' history, action 'remind'.)
-- (hsp._owner_key is the domain's rule, written before the versions: see the top.)

CREATE TABLE hsp.contact (
    plan_id   integer NOT NULL REFERENCES hsp.plan (id),
    owner_key text NOT NULL,  -- hsp._owner_key(owner): owners differing only in case or spacing are one
    owner     text NOT NULL CHECK (length(owner) BETWEEN 1 AND 10000),
    addresses text[] NOT NULL CHECK (cardinality(addresses) >= 1),
    PRIMARY KEY (plan_id, owner_key)
);

CREATE TABLE hsp.plan_history (
    plan_id     integer NOT NULL REFERENCES hsp.plan (id),
    id          integer NOT NULL CHECK (id >= 1),
    at          text NOT NULL,
    by          text NOT NULL,
    action      text NOT NULL,
    field       text,
    old         jsonb,
    new         jsonb,
    note        text,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    recorded_by text NOT NULL DEFAULT session_user,
    PRIMARY KEY (plan_id, id)
);

CREATE TRIGGER plan_history_append_only BEFORE UPDATE OR DELETE ON hsp.plan_history
    FOR EACH ROW EXECUTE FUNCTION hsp.history_append_only();

INSERT INTO hsp.contact (plan_id, owner_key, owner, addresses)
SELECT p.id, hsp._owner_key(c ->> 'owner'), c ->> 'owner',
       ARRAY(SELECT jsonb_array_elements_text(c -> 'addresses'))
  FROM hsp.plan p, jsonb_array_elements(coalesce(p.meta -> 'contacts', '[]')) AS c
 WHERE jsonb_array_length(coalesce(c -> 'addresses', '[]')) > 0
ON CONFLICT DO NOTHING;

INSERT INTO hsp.plan_history (plan_id, id, at, by, action, field, old, new, note)
SELECT p.id, (h ->> 'id')::integer, coalesce(h ->> 'at', ''), coalesce(h ->> 'by', ''), coalesce(h ->> 'action', ''),
       h ->> 'field', nullif(h -> 'old', 'null'::jsonb), nullif(h -> 'new', 'null'::jsonb), h ->> 'note'
  FROM hsp.plan p, jsonb_array_elements(coalesce(p.meta -> 'history', '[]')) AS h;

UPDATE hsp.plan SET meta = meta - 'contacts' - 'history' WHERE meta ?| ARRAY['contacts', 'history'];

--- version 3
-- Owners compare as hsp-tui compares them (Unicode case folding, every Unicode space), no longer
-- by lower() and btrim (the database's locale; "Straße Lead" and "STRASSE Lead" were two owners,
-- a no-break space was kept): the contacts are keyed again by hsp._owner_key. Where two contacts
-- of a plan are now one owner, the one set last is kept and each other one is removed, with an
-- entry of the plan's history saying why (by the owner who ran init, at the server's time).
DROP FUNCTION IF EXISTS hsp._check_text(text, text, integer);
DROP FUNCTION IF EXISTS hsp._check_addresses(jsonb, boolean);

CREATE TEMPORARY TABLE hsp_v3_contact ON COMMIT DROP AS
SELECT c.*, hsp._owner_key(c.owner) AS new_key,
       row_number() OVER (PARTITION BY c.plan_id, hsp._owner_key(c.owner)
                          ORDER BY (SELECT max(h.id) FROM hsp.plan_history h
                                     WHERE h.plan_id = c.plan_id AND h.action = 'contact' AND h.field = c.owner)
                                   DESC NULLS LAST, c.owner) AS rank
  FROM hsp.contact c;

INSERT INTO hsp.plan_history (plan_id, id, at, by, action, field, old, new, note)
SELECT d.plan_id,
       (SELECT coalesce(max(h.id), 0) FROM hsp.plan_history h WHERE h.plan_id = d.plan_id)
           + row_number() OVER (PARTITION BY d.plan_id ORDER BY d.new_key, d.rank),
       to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '+00:00', session_user, 'contact', d.owner,
       to_jsonb(d.addresses), NULL,
       'the same owner as ' || quote_literal(k.owner) || ' (owners now compare as hsp-tui compares them); '
           || 'its contact is kept'
  FROM hsp_v3_contact d JOIN hsp_v3_contact k ON k.plan_id = d.plan_id AND k.new_key = d.new_key AND k.rank = 1
 WHERE d.rank > 1;

ALTER TABLE hsp.contact DROP CONSTRAINT contact_pkey;
DELETE FROM hsp.contact c USING hsp_v3_contact d
 WHERE d.plan_id = c.plan_id AND d.owner_key = c.owner_key AND d.rank > 1;
UPDATE hsp.contact SET owner_key = hsp._owner_key(owner);
ALTER TABLE hsp.contact ADD PRIMARY KEY (plan_id, owner_key);

--- version 4
-- Issue 20 (a hostile colleague):
-- * plan names are lower-case ASCII letters, digits, '-' and '_', 1 to 64 characters (a name
--   given before is kept: NOT VALID checks new and renamed plans only);
-- * each item counts its own changes (`changes`) and the characters of its history (`chars`,
--   bounded): the plan's version is the sum, so no change waits on a row that every change writes;
-- * an entry brought in by an import carries who imported it and when (`imported_by`,
--   `imported_at`: set by the server, never by the caller). Entries already here that were written
--   with another author or time than the row's own (imports so far) are marked now.
ALTER TABLE hsp.plan ADD CONSTRAINT plan_name_form CHECK (name ~ '^[-_0-9a-z]{1,64}$') NOT VALID;
ALTER TABLE hsp.item ADD COLUMN changes bigint NOT NULL DEFAULT 0,
                     ADD COLUMN chars bigint NOT NULL DEFAULT 0;
ALTER TABLE hsp.history ADD COLUMN imported_by text, ADD COLUMN imported_at text;
ALTER TABLE hsp.plan_history ADD COLUMN imported_by text, ADD COLUMN imported_at text;
UPDATE hsp.item i SET chars = (SELECT coalesce(sum(length(h::text)), 0) FROM hsp.history h
                                WHERE h.plan_id = i.plan_id AND h.number = i.number);
UPDATE hsp.history
   SET imported_by = recorded_by,
       imported_at = to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '+00:00'
 WHERE by <> recorded_by OR at <> to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '+00:00';
UPDATE hsp.plan_history
   SET imported_by = recorded_by,
       imported_at = to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '+00:00'
 WHERE by <> recorded_by OR at <> to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '+00:00';

--- version 5
-- The day a change took effect (`--on`), when given; otherwise the day of `at` counts (issue 22).
ALTER TABLE hsp.history ADD COLUMN "on" date;
ALTER TABLE hsp.plan_history ADD COLUMN "on" date;

--- version 6
-- A contact's sponsor (issue 23): copied on a reminder about an item of the owner's once it has had
-- escalate_after reminders, as in a plan file. hsp.set_contact takes it as a fourth argument.
ALTER TABLE hsp.contact ADD COLUMN sponsor text[] NOT NULL DEFAULT '{}';
DROP FUNCTION IF EXISTS hsp.set_contact(text, text, jsonb);

--- version 7
-- Evidence (issue 24): copies of the documents attached to items, kept in the database, one per
-- document and plan (content-addressed: the same document attached twice is kept once). Officers
-- keep them through hsp.keep_copy only; nobody but the owner writes this table, and the owner's
-- purge (hsp.purge_copy) blanks the content and records who, when and why in the row itself.
-- The plan is found again by its copies when its owner replaces it (the key is checked at COMMIT).
CREATE TABLE hsp.copy (
    plan_id      integer NOT NULL REFERENCES hsp.plan (id) DEFERRABLE INITIALLY DEFERRED,
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    content      bytea,  -- NULL once purged
    size         bigint NOT NULL CHECK (size >= 0),
    kept_by      text NOT NULL DEFAULT session_user,
    kept_at      timestamptz NOT NULL DEFAULT now(),
    purged_by    text,
    purged_at    timestamptz,
    purge_reason text,
    PRIMARY KEY (plan_id, sha256),
    CHECK (content IS NULL OR octet_length(content) = size),
    CHECK ((content IS NULL) = (purged_by IS NOT NULL AND purged_at IS NOT NULL AND purge_reason IS NOT NULL))
);
-- A verdict records what it rests on: the hashes (or links) of the attachments standing then.
ALTER TABLE hsp.history ADD COLUMN evidence text[] NOT NULL DEFAULT '{}';
-- hsp._append takes the verdict's evidence too (a new signature: the old one goes).
DROP FUNCTION IF EXISTS hsp._append(text, hsp.item, text, text, jsonb, jsonb, text, integer);

--- version 8
-- Reminders recorded before they go (issue 20): hsp.record_pending_reminder records one as pending,
-- hsp.mark_reminder marks it sent or not sent (functions below; no table changes: both are entries
-- of the item's history). A database at version 7 lacks the functions: `init` adds them.
COMMENT ON TABLE hsp.history IS 'Each item''s changes, append-only. A reminder is an entry of action remind: '
    'recorded as pending before its message goes, then marked sent or not sent by a second entry.';

--- version 9
-- A contact's entry in the plan's history carries its sponsor: `old` and `new` are the contact
-- before and after, {"addresses": [...], "sponsor": [...]}, so a change of the sponsor alone is
-- recorded as one and the plan as it stood on a past day names the sponsor of that day. Entries
-- written before this version keep the list of addresses alone (the sponsor not recorded): no row
-- changes; hsp.set_contact (below) writes the new form, and an import's entries are checked for either.
COMMENT ON TABLE hsp.plan_history IS 'The plan''s own history, append-only: a contact set or removed (action '
    'contact, field the owner, old and new {addresses, sponsor}; a list of addresses alone before schema version 9).';

--- functions
-- Errors raised here carry SQLSTATEs the client maps to its own errors:
--   HS400 bad input (exit 2), HS404 no such plan / item / milestone / entry (exit 2),
--   HS409 conflict (exit 4). Messages are one line.

CREATE OR REPLACE FUNCTION hsp._now_text() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '+00:00'
$$;

-- The day a change took effect, as YYYY-MM-DD text (as the client compares it): its `on` when
-- given, else the day of `at` as recorded; '' (before every day) for a time that cannot be read.
CREATE OR REPLACE FUNCTION hsp._day(p_at text, p_effective date) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(to_char(p_effective, 'YYYY-MM-DD'),
                    CASE WHEN length(p_at) >= 10 AND substr(p_at, 5, 1) = '-' THEN left(p_at, 10) ELSE '' END)
$$;

-- The plan's date (its metadata's 'date'), or NULL: the reference for deadlines without a year,
-- and the earliest day a change may take effect.
CREATE OR REPLACE FUNCTION hsp._plan_date(p hsp.plan) RETURNS date
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN p.meta ->> 'date' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN to_date(p.meta ->> 'date', 'YYYY-MM-DD') END
$$;

-- The day the change being made took effect: the caller's `hsp.on` setting (set_config('hsp.on',
-- 'YYYY-MM-DD', true) in its transaction), else NULL (the day it is recorded). Not after today
-- (the server's day in the furthest time zone), not before the plan's date, not before p_latest
-- (the latest day a change already recorded for the same item, or plan, took effect).
CREATE OR REPLACE FUNCTION hsp._effective_on(p_plan_id integer, p_latest text) RETURNS date
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    given text := nullif(current_setting('hsp.on', true), '');
    v date;
    plan_date date;
BEGIN
    IF given IS NULL THEN
        RETURN NULL;
    END IF;
    IF given !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
        RAISE EXCEPTION '--on %: not a date (YYYY-MM-DD)', quote_literal(given) USING ERRCODE = 'HS400';
    END IF;
    BEGIN
        v := to_date(given, 'YYYY-MM-DD');
    EXCEPTION WHEN others THEN
        RAISE EXCEPTION '--on %: not a date (YYYY-MM-DD)', quote_literal(given) USING ERRCODE = 'HS400';
    END;
    IF to_char(v, 'YYYY-MM-DD') <> given THEN
        RAISE EXCEPTION '--on %: not a date (YYYY-MM-DD)', quote_literal(given) USING ERRCODE = 'HS400';
    END IF;
    IF v > ((now() AT TIME ZONE 'UTC') + interval '14 hours')::date THEN
        RAISE EXCEPTION '--on % is after today: a change is recorded on or after the day it happened', given
            USING ERRCODE = 'HS400';
    END IF;
    SELECT hsp._plan_date(p) INTO plan_date FROM hsp.plan p WHERE id = p_plan_id;
    IF plan_date IS NOT NULL AND v < plan_date THEN
        RAISE EXCEPTION '--on % is before the plan''s date (%)', given, to_char(plan_date, 'YYYY-MM-DD')
            USING ERRCODE = 'HS400';
    END IF;
    IF p_latest IS NOT NULL AND given < p_latest THEN
        RAISE EXCEPTION '--on %: a change already recorded here took effect on %; a new change cannot take '
            'effect before it (record changes in the order they happened)', given, p_latest USING ERRCODE = 'HS400';
    END IF;
    RETURN v;
END $$;

-- The effective day of the change being made to item r (see _effective_on).
CREATE OR REPLACE FUNCTION hsp._item_on(r hsp.item) RETURNS date
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT hsp._effective_on(r.plan_id, (SELECT max(hsp._day(h.at, h."on")) FROM hsp.history h
                                          WHERE h.plan_id = r.plan_id AND h.number = r.number
                                            AND h.action NOT IN ('create', 'import')))
$$;

-- A revision as the item keeps it ('on' only when the change's effective day was given).
CREATE OR REPLACE FUNCTION hsp._revision(p_deadline text, p_reason text, p_on date) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_build_object('deadline', p_deadline, 'reason', p_reason, 'by', session_user::text,
                              'at', hsp._now_text())
           || CASE WHEN p_on IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('on', to_char(p_on, 'YYYY-MM-DD')) END
$$;

-- What one officer may add, besides the texts' own limits (hsp._limit): docs/server.md, "Limits";
-- hsp_tui.domain.limits has the same numbers (a test compares them).
CREATE OR REPLACE FUNCTION hsp._bounds() RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_build_object('plan_name', '^[-_0-9a-z]{1,64}$', 'items_per_plan', 100000,
                              'item_chars', 2000000, 'plan_chars', 200000000,
                              'evidence_file_bytes', 26214400, 'evidence_plan_bytes', 524288000)
$$;

CREATE OR REPLACE FUNCTION hsp._bound(p_what text) RETURNS bigint
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT (hsp._bounds() ->> p_what)::bigint
$$;

CREATE OR REPLACE FUNCTION hsp._check_plan_name(p_name text) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_name IS NULL OR p_name !~ (hsp._bounds() ->> 'plan_name') THEN
        RAISE EXCEPTION 'plan name %: use 1 to 64 lower-case letters a-z, digits, ''-'' and ''_'' (e.g. haringey-2010)',
            quote_literal(p_name) USING ERRCODE = 'HS400';
    END IF;
END $$;

-- An auditor (or the database's owner): the only ones who may undo a verdict or move an item into
-- or out of Verified.
CREATE OR REPLACE FUNCTION hsp._is_auditor() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = 'hsp.item'::regclass), 'USAGE')
        OR (EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hsp_auditor')
            AND pg_has_role(session_user, 'hsp_auditor', 'MEMBER'))
$$;


-- Text an officer gives: not blank (rules.is_blank), and no longer than the limit for what it is
-- (rules.limit_of), as rules.check_text (hsp._text_fault).
CREATE OR REPLACE FUNCTION hsp._check_text(p_value text, p_what text) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    fault text := hsp._text_fault(p_value, p_what, true);
BEGIN
    IF fault IS NOT NULL THEN
        RAISE EXCEPTION '%', fault USING ERRCODE = 'HS400';
    END IF;
END $$;

-- An e-mail address as a reminder's recipient (rules.check_address): spaces around it dropped,
-- one plain address.
CREATE OR REPLACE FUNCTION hsp._address_ok(p_address text) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT length(hsp._strip(p_address)) <= hsp._limit('address') AND hsp._strip(p_address) ~ hsp._address_pattern()
$$;

CREATE OR REPLACE FUNCTION hsp._plan(p_plan text) RETURNS hsp.plan
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p hsp.plan;
BEGIN
    SELECT * INTO p FROM hsp.plan WHERE name = p_plan;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no plan named % in this database', quote_literal(p_plan) USING ERRCODE = 'HS404';
    END IF;
    RETURN p;
END $$;

-- The item's row, locked until the end of the caller's transaction.
CREATE OR REPLACE FUNCTION hsp._lock_item(p_plan text, p_number integer) RETURNS hsp.item
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p hsp.plan := hsp._plan(p_plan);
    r hsp.item;
BEGIN
    SELECT * INTO r FROM hsp.item WHERE plan_id = p.id AND number = p_number FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no recommendation % in plan %', p_number, quote_literal(p_plan) USING ERRCODE = 'HS404';
    END IF;
    RETURN r;
END $$;

-- Appends the item's next history entry (by session_user, at the server's time) and counts it on
-- the item (its row is locked already: no other row is written, so changes of other items never
-- wait on this one). No NOTIFY here: a full notification queue would fail the COMMIT; the client
-- sends the notice after its COMMIT (a hint, best-effort). `p_evidence`: what a verdict rests on.
CREATE OR REPLACE FUNCTION hsp._append(p_plan text, r hsp.item, p_action text, p_field text, p_old jsonb,
                                       p_new jsonb, p_note text, p_undoes integer DEFAULT NULL,
                                       p_evidence text[] DEFAULT '{}')
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    next_id integer;
    entry jsonb;
    size bigint := 100 + length(coalesce(p_note, '')) + coalesce(length(p_old::text), 0) + coalesce(length(p_new::text), 0)
                   + coalesce(length(p_evidence::text), 0);
BEGIN
    IF (SELECT chars FROM hsp.item WHERE plan_id = r.plan_id AND number = r.number) + size > hsp._bound('item_chars') THEN
        RAISE EXCEPTION 'recommendation % holds the most history one item may (% characters); nothing was added',
            r.number, hsp._bound('item_chars') USING ERRCODE = 'HS400';
    END IF;
    SELECT hsp._next_id(max(id), 'recommendation ' || r.number) INTO next_id
      FROM hsp.history WHERE plan_id = r.plan_id AND number = r.number;
    INSERT INTO hsp.history (plan_id, number, id, at, by, action, field, old, new, note, undoes, "on", evidence)
    VALUES (r.plan_id, r.number, next_id, hsp._now_text(), session_user, p_action, p_field,
            nullif(p_old, 'null'::jsonb), nullif(p_new, 'null'::jsonb), p_note, p_undoes, hsp._item_on(r),
            coalesce(p_evidence, '{}'));
    SELECT hsp._entry(h) INTO entry FROM hsp.history h
     WHERE h.plan_id = r.plan_id AND h.number = r.number AND h.id = next_id;
    UPDATE hsp.item SET changes = changes + 1, chars = chars + size WHERE plan_id = r.plan_id AND number = r.number;
    RETURN entry;
END $$;

-- A history row (of an item or of the plan) as the entry the app reads: 'undoes', 'evidence',
-- 'imported_by', 'imported_at' and 'on' only where set.
CREATE OR REPLACE FUNCTION hsp._entry_object(j jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_build_object('id', j -> 'id', 'at', j -> 'at', 'by', j -> 'by', 'action', j -> 'action',
                              'field', j -> 'field', 'old', j -> 'old', 'new', j -> 'new', 'note', j -> 'note')
           || jsonb_strip_nulls(jsonb_build_object(
                  'undoes', j -> 'undoes',
                  'evidence', CASE WHEN jsonb_array_length(coalesce(j -> 'evidence', '[]')) > 0 THEN j -> 'evidence' END,
                  'imported_by', j -> 'imported_by', 'imported_at', j -> 'imported_at', 'on', j -> 'on'))
$$;

CREATE OR REPLACE FUNCTION hsp._entry(h hsp.history) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT hsp._entry_object(to_jsonb(h))
$$;

-- The start of a change made by the client's own rules: the item with its history, locked until
-- the end of the caller's transaction, with the time and user the change's entry will carry.
-- The change itself is then made by one of the functions below, in the same transaction.
CREATE OR REPLACE FUNCTION hsp.lock_item(p_plan text, p_number integer) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r hsp.item;
BEGIN
    r := hsp._lock_item(p_plan, p_number);
    RETURN (to_jsonb(r) - 'plan_id' - 'changes' - 'chars')
        || jsonb_build_object(
               'history', (SELECT coalesce(jsonb_agg(hsp._entry(h) ORDER BY h.id), '[]'::jsonb)
                             FROM hsp.history h WHERE h.plan_id = r.plan_id AND h.number = r.number),
               'stamp_at', hsp._now_text(), 'stamp_by', session_user::text);
END $$;

-- Item r's status or owner (p_field) made p_value.
CREATE OR REPLACE FUNCTION hsp._put_field(r hsp.item, p_field text, p_value text) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    UPDATE hsp.item SET status = CASE WHEN p_field = 'status' THEN p_value ELSE status END,
                        owner = CASE WHEN p_field = 'owner' THEN p_value ELSE owner END
     WHERE plan_id = r.plan_id AND number = r.number
$$;

-- Item r's status or owner set (by set_status, set_owner: their checks made): the same value again
-- with no note changes nothing; else the item changes and its history says so.
CREATE OR REPLACE FUNCTION hsp._set_field(p_plan text, r hsp.item, p_field text, p_old text, p_new text, p_note text)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_old = p_new AND p_note IS NULL THEN
        RETURN jsonb_build_object('entry', NULL, 'old', p_old);
    END IF;
    PERFORM hsp._put_field(r, p_field, p_new);
    RETURN jsonb_build_object('old', p_old, 'entry',
        hsp._append(p_plan, r, 'set', p_field, to_jsonb(p_old), to_jsonb(p_new), p_note));
END $$;

CREATE OR REPLACE FUNCTION hsp.set_status(p_plan text, p_number integer, p_status text, p_note text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r hsp.item;
BEGIN
    IF p_status IS NULL OR NOT p_status = ANY (hsp._set_statuses()) THEN
        RAISE EXCEPTION 'unknown status %: use one of % (an item becomes verified only by an auditor''s verdict)',
            quote_literal(p_status), array_to_string(hsp._set_statuses(), ', ') USING ERRCODE = 'HS400';
    END IF;
    IF p_status = 'dropped' AND (p_note IS NULL OR hsp._blank(p_note)) THEN
        RAISE EXCEPTION 'a dropped item needs the reason: add --note TEXT (the auditor then agrees the drop or not)'
            USING ERRCODE = 'HS400';
    END IF;
    IF p_note IS NOT NULL THEN PERFORM hsp._check_text(p_note, 'note'); END IF;
    r := hsp._lock_item(p_plan, p_number);
    IF r.status = 'verified' AND NOT hsp._is_auditor() THEN  -- (p_status is never verified: see above)
        RAISE EXCEPTION 'only an auditor (hsp_auditor) may move recommendation % out of Verified', p_number
            USING ERRCODE = '42501';
    END IF;
    RETURN hsp._set_field(p_plan, r, 'status', r.status, p_status, p_note);
END $$;

CREATE OR REPLACE FUNCTION hsp.add_note(p_plan text, p_number integer, p_text text)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r hsp.item;
BEGIN
    PERFORM hsp._check_text(p_text, 'note');
    r := hsp._lock_item(p_plan, p_number);
    RETURN jsonb_build_object('entry', hsp._append(p_plan, r, 'note', NULL, NULL, NULL, p_text));
END $$;

CREATE OR REPLACE FUNCTION hsp.set_owner(p_plan text, p_number integer, p_owner text, p_note text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r hsp.item;
BEGIN
    PERFORM hsp._check_text(p_owner, 'owner');
    IF p_note IS NOT NULL THEN PERFORM hsp._check_text(p_note, 'note'); END IF;
    r := hsp._lock_item(p_plan, p_number);
    RETURN hsp._set_field(p_plan, r, 'owner', r.owner, p_owner, p_note);
END $$;

-- A revised deadline; the deadline agreed in the plan is kept. It must read as a deadline, and a
-- dated deadline is never revised to no date (as commands.Revise: hsp._deadline is the grammar of
-- domain/deadlines.py, the plan's date its reference for a month without a year).
CREATE OR REPLACE FUNCTION hsp.revise(p_plan text, p_number integer, p_deadline text, p_reason text)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r hsp.item;
    old_deadline text;
    plan_date date;
    given record;
BEGIN
    PERFORM hsp._check_text(p_deadline, 'deadline');
    IF p_reason IS NULL OR hsp._blank(p_reason) THEN
        RAISE EXCEPTION 'a revised deadline needs a reason (--reason TEXT)' USING ERRCODE = 'HS400';
    END IF;
    PERFORM hsp._check_text(p_reason, 'reason');
    plan_date := hsp._plan_date(hsp._plan(p_plan));
    SELECT * INTO given FROM hsp._deadline(p_deadline, plan_date);
    IF NOT given.readable THEN
        RAISE EXCEPTION 'cannot read deadline %: write a month, a range, a day, a quarter, a financial year or '
            '''Ongoing'' (e.g. June 2010, 30/06/2010, Q1 2010/11, 2010/11)', quote_literal(p_deadline)
            USING ERRCODE = 'HS400';
    END IF;
    r := hsp._lock_item(p_plan, p_number);
    old_deadline := coalesce(r.revisions -> -1 ->> 'deadline', r.deadline);
    IF hsp._squash(old_deadline) = hsp._squash(p_deadline) THEN
        RETURN jsonb_build_object('entry', NULL, 'old', old_deadline);
    END IF;
    -- 'Ongoing' has no due date, so it would take the item off the overdue list unseen
    IF given.due IS NULL AND (hsp._deadline(old_deadline, plan_date)).due IS NOT NULL THEN
        RAISE EXCEPTION 'recommendation %: the dated deadline % cannot be revised to no date; to stop the action, '
            'set it to dropped with a note (hsp.set_status(..., ''dropped'', ''why''))', p_number,
            quote_literal(old_deadline) USING ERRCODE = 'HS400';
    END IF;
    UPDATE hsp.item
       SET revisions = revisions || jsonb_build_array(hsp._revision(p_deadline, p_reason, hsp._item_on(r)))
     WHERE plan_id = r.plan_id AND number = r.number;
    RETURN jsonb_build_object('old', old_deadline, 'entry',
        hsp._append(p_plan, r, 'revise', 'deadline', to_jsonb(old_deadline), to_jsonb(p_deadline), p_reason));
END $$;

-- Marks milestone p_index (from 1) done or open; the item's own status is untouched.
CREATE OR REPLACE FUNCTION hsp.set_milestone(p_plan text, p_number integer, p_index integer, p_done boolean,
                                             p_note text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r hsp.item;
    n integer;
    was boolean;
BEGIN
    IF p_note IS NOT NULL THEN PERFORM hsp._check_text(p_note, 'note'); END IF;
    IF p_done IS NULL THEN
        RAISE EXCEPTION 'a milestone is done or open' USING ERRCODE = 'HS400';
    END IF;
    r := hsp._lock_item(p_plan, p_number);
    n := jsonb_array_length(r.milestones);
    IF p_index IS NULL OR p_index < 1 OR p_index > n THEN
        RAISE EXCEPTION 'recommendation % has no milestone % (milestones: %)', p_number, p_index,
            CASE WHEN n = 0 THEN 'none' ELSE '1-' || n END USING ERRCODE = 'HS404';
    END IF;
    was := coalesce((r.milestones -> (p_index - 1) ->> 'done')::boolean, false);
    IF was = p_done AND p_note IS NULL THEN
        RETURN jsonb_build_object('entry', NULL, 'old', was);
    END IF;
    UPDATE hsp.item SET milestones = jsonb_set(milestones, ARRAY[(p_index - 1)::text, 'done'], to_jsonb(p_done))
     WHERE plan_id = r.plan_id AND number = r.number;
    RETURN jsonb_build_object('old', was, 'entry',
        hsp._append(p_plan, r, 'milestone', 'milestone', jsonb_build_object('index', p_index, 'done', was),
                    jsonb_build_object('index', p_index, 'done', p_done), p_note));
END $$;

-- The entries that changed (or noted again) an item's status, latest first.
CREATE OR REPLACE FUNCTION hsp._status_entries(r hsp.item) RETURNS SETOF hsp.history
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT * FROM hsp.history h WHERE h.plan_id = r.plan_id AND h.number = r.number AND h.field = 'status'
     ORDER BY h.id DESC
$$;

-- Verified by a verdict that came with an import, not by an auditor here (Recommendation.verdict_imported):
-- the latest entry that made the item Verified is marked imported, or none did and one entry is.
CREATE OR REPLACE FUNCTION hsp._verdict_imported(r hsp.item) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(
        (SELECT h.imported_by IS NOT NULL FROM hsp._status_entries(r) h WHERE h.new = '"verified"' LIMIT 1),
        EXISTS (SELECT 1 FROM hsp.history h WHERE h.plan_id = r.plan_id AND h.number = r.number
                                             AND h.imported_by IS NOT NULL))
$$;

-- What a verdict on item r rests on (Recommendation.evidence): for each attachment standing
-- (attached, not withdrawn), oldest first, its copy's SHA-256 or its link's URL.
CREATE OR REPLACE FUNCTION hsp._standing_evidence(r hsp.item) RETURNS text[]
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(array_agg(coalesce(h.new ->> 'sha256', h.new ->> 'url') ORDER BY h.id), '{}')
      FROM hsp.history h
     WHERE h.plan_id = r.plan_id AND h.number = r.number AND h.action = 'attach'
       AND NOT EXISTS (SELECT 1 FROM hsp.history w WHERE w.plan_id = h.plan_id AND w.number = h.number
                                                     AND w.action = 'withdraw' AND w.undoes = h.id)
$$;

-- An auditor's verdict (granted to hsp_auditor only) on an item awaiting one: done, or dropped
-- without the auditor's agreement yet (its latest status entry is not an accepted drop). On a done
-- item accepted makes it verified, rejected sends it back to in_progress; on a dropped one accepted
-- makes the drop final (status stays dropped), rejected returns it to its status before the drop.
-- A note is always required. Four eyes: never by the user who recorded the Done or the drop.
-- The entry records the evidence standing then (hsp._standing_evidence): a caller cannot name it.
CREATE OR REPLACE FUNCTION hsp.verify(p_plan text, p_number integer, p_accepted boolean, p_note text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r hsp.item;
    last_action text;
    last_new jsonb;
    claim_by text;
    claim_old jsonb;
    new_status text;
BEGIN
    IF p_accepted IS NULL THEN
        RAISE EXCEPTION 'a verdict is accepted or rejected' USING ERRCODE = 'HS400';
    END IF;
    IF p_note IS NULL OR hsp._blank(p_note) THEN
        RAISE EXCEPTION 'a verdict needs the auditor''s note (what was seen, or why it is rejected): add --note TEXT'
            USING ERRCODE = 'HS400';
    END IF;
    PERFORM hsp._check_text(p_note, 'note');
    r := hsp._lock_item(p_plan, p_number);
    SELECT h.action, h.new INTO last_action, last_new FROM hsp._status_entries(r) h LIMIT 1;
    -- (a verdict that came with an import, on a verified item, is confirmed or rejected here too)
    IF (r.status NOT IN ('done', 'dropped') AND NOT (r.status = 'verified' AND hsp._verdict_imported(r)))
       OR (r.status = 'dropped' AND last_action = 'verify' AND last_new = '"dropped"'::jsonb) THEN
        RAISE EXCEPTION 'recommendation % is %: only an item done, or dropped, and awaiting the auditor can be '
            'verified', p_number, r.status USING ERRCODE = 'HS400';
    END IF;
    SELECT h.by, h.old INTO claim_by, claim_old FROM hsp._status_entries(r) h
     WHERE h.new = to_jsonb(CASE WHEN r.status = 'verified' THEN 'done' ELSE r.status END)
       AND h.old IS DISTINCT FROM h.new
     LIMIT 1;
    IF FOUND AND hsp._owner_key(claim_by) = hsp._owner_key(session_user) THEN
        RAISE EXCEPTION 'recommendation % was set % by %: the verdict must be given by someone else (four eyes)',
            p_number, r.status, claim_by USING ERRCODE = 'HS400';
    END IF;
    IF r.status IN ('done', 'verified') THEN
        new_status := CASE WHEN p_accepted THEN 'verified' ELSE 'in_progress' END;
    ELSIF p_accepted THEN
        new_status := 'dropped';
    ELSE
        new_status := coalesce(claim_old #>> '{}', 'in_progress');
        IF new_status = 'dropped' OR NOT new_status = ANY (hsp._statuses()) THEN
            new_status := 'in_progress';
        END IF;
    END IF;
    UPDATE hsp.item SET status = new_status WHERE plan_id = r.plan_id AND number = r.number;
    -- what the verdict rests on: taken from the item's history here, never from the caller
    RETURN jsonb_build_object('old', r.status, 'entry',
        hsp._append(p_plan, r, 'verify', 'status', to_jsonb(r.status), to_jsonb(new_status), p_note, NULL,
                    hsp._standing_evidence(r)));
END $$;

-- Reverses one change by appending an entry of its own; refused when the item has changed since
-- in the same field (someone else's later change would be overwritten). The same rules as the file.
CREATE OR REPLACE FUNCTION hsp.undo(p_plan text, p_number integer, p_entry_id integer)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r hsp.item;
    t hsp.history;
    idx integer;
    current_value text;
BEGIN
    r := hsp._lock_item(p_plan, p_number);
    SELECT * INTO t FROM hsp.history WHERE plan_id = r.plan_id AND number = r.number AND id = p_entry_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'recommendation % has no history entry %', p_number, p_entry_id USING ERRCODE = 'HS404';
    END IF;
    IF EXISTS (SELECT 1 FROM hsp.history WHERE plan_id = r.plan_id AND number = r.number
                                           AND action = 'undo' AND undoes = t.id) THEN
        RAISE EXCEPTION 'change #% on recommendation % was already undone', p_entry_id, p_number
            USING ERRCODE = 'HS409';
    END IF;
    IF (t.action = 'verify' OR (t.field = 'status' AND 'verified' IN (t.old #>> '{}', t.new #>> '{}')))
       AND NOT hsp._is_auditor() THEN
        RAISE EXCEPTION 'only an auditor (hsp_auditor) may undo a verdict or move recommendation % into or out of Verified',
            p_number USING ERRCODE = '42501';
    END IF;
    IF t.action = 'note' THEN
        RETURN jsonb_build_object('entry',
            hsp._append(p_plan, r, 'undo', t.field, to_jsonb(t.note), NULL, NULL, t.id), 'target', to_jsonb(t));
    END IF;
    IF t.field IN ('status', 'owner') THEN
        current_value := CASE t.field WHEN 'status' THEN r.status ELSE r.owner END;
        IF to_jsonb(current_value) IS DISTINCT FROM t.new THEN
            RAISE EXCEPTION 'recommendation %: % has changed since (now %); not undone', p_number, t.field,
                quote_literal(current_value) USING ERRCODE = 'HS409';
        END IF;
        PERFORM hsp._put_field(r, t.field, t.old #>> '{}');
    ELSIF t.field = 'milestone' THEN
        idx := (t.new ->> 'index')::integer;
        IF coalesce((r.milestones -> (idx - 1) ->> 'done')::boolean, false)
           IS DISTINCT FROM coalesce((t.new ->> 'done')::boolean, false) THEN
            RAISE EXCEPTION 'recommendation %: milestone % has changed since; not undone', p_number, idx
                USING ERRCODE = 'HS409';
        END IF;
        UPDATE hsp.item
           SET milestones = jsonb_set(milestones, ARRAY[(idx - 1)::text, 'done'],
                                      to_jsonb(coalesce((t.old ->> 'done')::boolean, false)))
         WHERE plan_id = r.plan_id AND number = r.number;
    ELSIF t.field = 'deadline' THEN
        IF jsonb_array_length(r.revisions) = 0
           OR to_jsonb(r.revisions -> -1 ->> 'deadline') IS DISTINCT FROM t.new THEN
            RAISE EXCEPTION 'recommendation %: the deadline has been revised since; not undone', p_number
                USING ERRCODE = 'HS409';
        END IF;
        UPDATE hsp.item
           SET revisions = revisions || jsonb_build_array(hsp._revision(t.old #>> '{}', 'undo of change #' || t.id,
                                                                        hsp._item_on(r)))
         WHERE plan_id = r.plan_id AND number = r.number;
    ELSE
        RAISE EXCEPTION 'change #% on recommendation % (%) cannot be undone: only status, owner, deadline, '
            'milestone and note changes can', p_entry_id, p_number, t.action USING ERRCODE = 'HS400';
    END IF;
    RETURN jsonb_build_object('entry',
        hsp._append(p_plan, r, 'undo', t.field, t.new, t.old, NULL, t.id), 'target', to_jsonb(t));
END $$;

-- An attachment's description (an 'attach' entry's `new`), as rules.check_evidence: a copy
-- {name, size, sha256, media_type} or a link {url}; returned as recorded, else one line (HS400).
CREATE OR REPLACE FUNCTION hsp._check_evidence(p_evidence jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    name text;
    media text;
BEGIN
    IF jsonb_typeof(p_evidence) = 'object' AND p_evidence ?& ARRAY['name', 'size', 'sha256', 'media_type']
       AND hsp._only_keys(p_evidence, ARRAY['name', 'size', 'sha256', 'media_type']) THEN
        IF jsonb_typeof(p_evidence -> 'name') <> 'string' THEN
            RAISE EXCEPTION 'file name must be text' USING ERRCODE = 'HS400';
        END IF;
        name := p_evidence ->> 'name';
        PERFORM hsp._check_text(name, 'file name');
        IF name IN ('.', '..') OR name !~ hsp._name_pattern() THEN
            RAISE EXCEPTION '% is not a file''s base name (no ''/'' or control characters)', quote_literal(name)
                USING ERRCODE = 'HS400';
        END IF;
        IF jsonb_typeof(p_evidence -> 'size') <> 'number' OR p_evidence ->> 'size' !~ '^[0-9]{1,18}$' THEN
            RAISE EXCEPTION 'a copy''s size must be a whole number of bytes, not %', p_evidence -> 'size'
                USING ERRCODE = 'HS400';
        END IF;
        IF jsonb_typeof(p_evidence -> 'sha256') <> 'string' OR p_evidence ->> 'sha256' !~ hsp._sha256_pattern() THEN
            RAISE EXCEPTION '% is not a SHA-256 (64 lower-case hex digits)', p_evidence -> 'sha256'
                USING ERRCODE = 'HS400';
        END IF;
        media := CASE WHEN jsonb_typeof(p_evidence -> 'media_type') = 'string' THEN p_evidence ->> 'media_type' END;
        IF media IS NULL OR length(media) > hsp._limit('media type') OR media !~ hsp._media_type_pattern() THEN
            RAISE EXCEPTION '% is not a media type (such as application/pdf)', p_evidence -> 'media_type'
                USING ERRCODE = 'HS400';
        END IF;
        RETURN jsonb_build_object('name', name, 'size', (p_evidence ->> 'size')::bigint,
                                  'sha256', p_evidence ->> 'sha256', 'media_type', media);
    END IF;
    IF jsonb_typeof(p_evidence) = 'object' AND p_evidence ? 'url' AND hsp._only_keys(p_evidence, ARRAY['url']) THEN
        IF jsonb_typeof(p_evidence -> 'url') <> 'string' THEN
            RAISE EXCEPTION 'url must be text' USING ERRCODE = 'HS400';
        END IF;
        PERFORM hsp._check_text(p_evidence ->> 'url', 'url');
        IF p_evidence ->> 'url' !~ hsp._url_pattern() THEN
            RAISE EXCEPTION '% is not a link to record (http://, https:// or mailto:, without spaces)',
                quote_literal(p_evidence ->> 'url') USING ERRCODE = 'HS400';
        END IF;
        RETURN jsonb_build_object('url', p_evidence ->> 'url');
    END IF;
    RAISE EXCEPTION 'evidence is a copy {name, size, sha256, media_type} or a link {url}' USING ERRCODE = 'HS400';
END $$;

-- Whether an imported entry's evidence reads as hsp.attach would take it (hsp._entry_ok).
CREATE OR REPLACE FUNCTION hsp._evidence_ok(p_evidence jsonb) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN hsp._check_evidence(p_evidence) = p_evidence;
EXCEPTION WHEN SQLSTATE 'HS400' THEN
    RETURN false;
END $$;

-- The shapes of a plan's documents, as the client decodes them (hsp_tui.domain.records): a
-- document the client could not read is refused here, so it never reaches the tables.
CREATE OR REPLACE FUNCTION hsp._texts(j jsonb, VARIADIC keys text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT j ?& keys AND NOT EXISTS (SELECT 1 FROM unnest(keys) k WHERE jsonb_typeof(j -> k) <> 'string')
$$;

CREATE OR REPLACE FUNCTION hsp._only_keys(j jsonb, keys text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT NOT EXISTS (SELECT 1 FROM jsonb_object_keys(j) k WHERE k <> ALL (keys))
$$;

CREATE OR REPLACE FUNCTION hsp._count(j jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_typeof(j) = 'number' AND j::text ~ '^[1-9][0-9]{0,9}$' AND j::text::bigint <= 2147483647
$$;

-- The day a change took effect ('on'), when given: YYYY-MM-DD (a real date: checked by the client).
CREATE OR REPLACE FUNCTION hsp._day_ok(j jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT j IS NULL OR jsonb_typeof(j) = 'null'
        OR (jsonb_typeof(j) = 'string' AND j #>> '{}' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$')
$$;

-- A list of texts (addresses), as history._texts.
CREATE OR REPLACE FUNCTION hsp._strings_ok(j jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN jsonb_typeof(j) = 'array'
                THEN NOT EXISTS (SELECT 1 FROM jsonb_array_elements(j) a WHERE jsonb_typeof(a) <> 'string')
                ELSE false END
$$;

-- A contact entry's old or new value (history.HistoryEntry's check): null (no contact), the
-- contact {addresses, sponsor}, or (entries made before the sponsor was recorded) the addresses alone.
CREATE OR REPLACE FUNCTION hsp._contact_ok(j jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE jsonb_typeof(j)
               WHEN 'null' THEN true
               WHEN 'array' THEN hsp._strings_ok(j)
               WHEN 'object' THEN j ?& ARRAY['addresses', 'sponsor'] AND hsp._only_keys(j, ARRAY['addresses', 'sponsor'])
                                  AND hsp._strings_ok(j -> 'addresses') AND hsp._strings_ok(j -> 'sponsor')
               ELSE false END
$$;

CREATE OR REPLACE FUNCTION hsp._entry_ok(h jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_typeof(h) = 'object'
       AND h ?& ARRAY['id', 'at', 'by', 'action', 'field', 'old', 'new', 'note']
       AND hsp._only_keys(h, ARRAY['id', 'at', 'by', 'action', 'field', 'old', 'new', 'note', 'undoes',
                                   'imported_by', 'imported_at', 'on', 'evidence'])
       AND hsp._day_ok(h -> 'on')
       AND hsp._count(h -> 'id') AND hsp._texts(h, 'at', 'by', 'action')
       AND h ->> 'at' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})$'
       AND h ->> 'action' IN ('create', 'import', 'set', 'note', 'revise', 'milestone', 'verify', 'remind',
                              'contact', 'undo', 'attach', 'withdraw')
       AND jsonb_typeof(h -> 'field') IN ('null', 'string') AND jsonb_typeof(h -> 'note') IN ('null', 'string')
       AND (NOT h ? 'undoes' OR jsonb_typeof(h -> 'undoes') = 'null' OR hsp._count(h -> 'undoes'))
       -- only a verdict records the evidence it rests on (HistoryEntry: a list of hashes or links)
       AND (NOT h ? 'evidence' OR jsonb_typeof(h -> 'evidence') = 'array' AND NOT EXISTS (
               SELECT 1 FROM jsonb_array_elements(h -> 'evidence') e WHERE jsonb_typeof(e) <> 'string')
               AND (h ->> 'action' = 'verify' OR jsonb_array_length(h -> 'evidence') = 0))
       -- an attachment describes a copy or a link, as hsp.attach takes it; a withdrawal names it,
       -- repeats what it attached and gives the reason
       AND (h ->> 'action' NOT IN ('attach', 'withdraw') OR jsonb_typeof(h -> 'field') = 'null')
       AND (h ->> 'action' <> 'attach' OR (hsp._evidence_ok(h -> 'new') AND jsonb_typeof(h -> 'old') = 'null'))
       AND (h ->> 'action' <> 'withdraw' OR (hsp._count(h -> 'undoes') AND hsp._evidence_ok(h -> 'old')
                                               AND jsonb_typeof(h -> 'new') = 'null'
                                               AND jsonb_typeof(h -> 'note') = 'string' AND NOT hsp._blank(h ->> 'note')))
       -- a contact names its owner; before and after, the contact (history.contact_state)
       AND (h ->> 'action' <> 'contact' OR (jsonb_typeof(h -> 'field') = 'string'
                                              AND hsp._contact_ok(h -> 'old') AND hsp._contact_ok(h -> 'new')))
$$;

CREATE OR REPLACE FUNCTION hsp._history_ok(j jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_typeof(j) = 'array' AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(j) h WHERE NOT hsp._entry_ok(h))
$$;

CREATE OR REPLACE FUNCTION hsp._item_ok(i jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_typeof(i) = 'object'
       AND hsp._only_keys(i, ARRAY['number', 'ref', 'recommendation', 'management_response', 'deadline', 'owner',
                                   'status', 'milestones', 'revisions', 'history', 'repairs'])
       AND hsp._count(i -> 'number')
       AND hsp._texts(i, 'ref', 'recommendation', 'management_response', 'deadline', 'owner', 'status')
       AND i ->> 'recommendation' <> ''
       AND i ->> 'status' = ANY (hsp._statuses())
       AND jsonb_typeof(i -> 'milestones') = 'array'
       AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(i -> 'milestones') m
                        WHERE NOT (jsonb_typeof(m) = 'object' AND hsp._only_keys(m, ARRAY['label', 'deadline', 'done'])
                                   AND hsp._texts(m, 'label', 'deadline') AND jsonb_typeof(m -> 'done') = 'boolean'))
       AND jsonb_typeof(i -> 'revisions') = 'array'
       AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(i -> 'revisions') v
                        WHERE NOT (jsonb_typeof(v) = 'object' AND hsp._only_keys(v, ARRAY['deadline', 'reason', 'by', 'at', 'on'])
                                   AND hsp._day_ok(v -> 'on')
                                   AND hsp._texts(v, 'deadline', 'reason', 'by', 'at') AND v ->> 'reason' <> ''))
       AND jsonb_typeof(i -> 'repairs') = 'array'
       AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(i -> 'repairs') x WHERE jsonb_typeof(x) <> 'string')
       AND hsp._history_ok(i -> 'history')
$$;

CREATE OR REPLACE FUNCTION hsp._meta_ok(m jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_typeof(m) = 'object'
       AND hsp._only_keys(m, ARRAY['title', 'date', 'author', 'prepared_for', 'source', 'notes', 'contacts', 'history'])
       AND hsp._texts(m, 'title', 'author', 'prepared_for', 'source', 'notes')
       AND m ? 'date' AND (jsonb_typeof(m -> 'date') = 'null' OR m ->> 'date' ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$')
       AND (NOT m ? 'contacts' OR jsonb_typeof(m -> 'contacts') = 'array' AND NOT EXISTS (
               SELECT 1 FROM jsonb_array_elements(m -> 'contacts') c
                WHERE NOT (jsonb_typeof(c) = 'object' AND hsp._only_keys(c, ARRAY['owner', 'addresses', 'sponsor'])
                           AND hsp._texts(c, 'owner') AND jsonb_typeof(c -> 'addresses') = 'array'
                           AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(c -> 'addresses') a
                                            WHERE jsonb_typeof(a) <> 'string')
                           -- (null: not recorded, in an export of the plan as it stood on a past day: none)
                           AND (NOT c ? 'sponsor' OR jsonb_typeof(c -> 'sponsor') = 'null'
                                OR jsonb_typeof(c -> 'sponsor') = 'array' AND NOT EXISTS (
                                   SELECT 1 FROM jsonb_array_elements(c -> 'sponsor') a WHERE jsonb_typeof(a) <> 'string')))))
       AND (NOT m ? 'history' OR hsp._history_ok(m -> 'history'))
$$;

-- A plan's documents checked whole, and within what one officer may add; one line on the first fault.
CREATE OR REPLACE FUNCTION hsp._check_documents(p_meta jsonb, p_items jsonb) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    bad record;
BEGIN
    IF jsonb_typeof(p_items) IS DISTINCT FROM 'array' OR jsonb_typeof(p_meta) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'a plan is an object of metadata and an array of items' USING ERRCODE = 'HS400';
    END IF;
    IF jsonb_array_length(p_items) > hsp._bound('items_per_plan') THEN
        RAISE EXCEPTION 'the plan has % items: a plan holds at most %', jsonb_array_length(p_items),
            hsp._bound('items_per_plan') USING ERRCODE = 'HS400';
    END IF;
    IF length(p_meta::text) + length(p_items::text) > hsp._bound('plan_chars') THEN
        RAISE EXCEPTION 'the plan is longer than % characters: a plan holds at most that', hsp._bound('plan_chars')
            USING ERRCODE = 'HS400';
    END IF;
    IF NOT hsp._meta_ok(p_meta) THEN
        RAISE EXCEPTION 'the plan''s metadata does not read as a plan''s (title, date, author, prepared_for, '
            'source, notes, contacts, history)' USING ERRCODE = 'HS400';
    END IF;
    SELECT x.n, x.i ->> 'number' AS number, length(x.i::text) > hsp._bound('item_chars') AS long INTO bad
      FROM jsonb_array_elements(p_items) WITH ORDINALITY AS x(i, n)
     WHERE NOT hsp._item_ok(x.i) OR length(x.i::text) > hsp._bound('item_chars')
     LIMIT 1;
    IF FOUND AND bad.long THEN
        RAISE EXCEPTION 'item % (number %) is longer than % characters: one item holds at most that', bad.n,
            bad.number, hsp._bound('item_chars') USING ERRCODE = 'HS400';
    ELSIF FOUND THEN
        RAISE EXCEPTION 'item % (number %) does not read as a recommendation (its fields or their types are wrong)',
            bad.n, coalesce(bad.number, 'missing') USING ERRCODE = 'HS400';
    END IF;
    SELECT i ->> 'number' AS number INTO bad FROM jsonb_array_elements(p_items) AS i
     GROUP BY i ->> 'number' HAVING count(*) > 1 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'two items are numbered %', bad.number USING ERRCODE = 'HS400';
    END IF;
    -- The texts, as the import command checks them (formats/importing.py, with rules.check_text,
    -- is_blank, check_address and owner_key): each within the limit for what it is, a recommendation
    -- and a revision's reason not blank; a contact as `contact set` takes one, one per owner.
    SELECT c.k, f.fault INTO bad
      FROM jsonb_array_elements(coalesce(p_meta -> 'contacts', '[]')) WITH ORDINALITY AS c(c, k),
           LATERAL (SELECT coalesce(
               hsp._text_fault(c.c ->> 'owner', 'owner', true),
               (SELECT quote_literal(a) || ' is not an e-mail address (write it as name@example.org)'
                  FROM jsonb_array_elements_text(c.c -> 'addresses') AS a WHERE NOT hsp._address_ok(a) LIMIT 1),
               (SELECT quote_literal(c.c ->> 'owner') || ' is the owner of contact ' || o.k || ' too (owners compare '
                       'without regard to case or spacing)'
                  FROM jsonb_array_elements(p_meta -> 'contacts') WITH ORDINALITY AS o(c, k)
                 WHERE o.k < c.k AND hsp._owner_key(o.c ->> 'owner') = hsp._owner_key(c.c ->> 'owner')
                 ORDER BY o.k LIMIT 1)) AS fault) AS f
     WHERE f.fault IS NOT NULL
     ORDER BY c.k LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'contact %: %', bad.k, bad.fault USING ERRCODE = 'HS400';
    END IF;
    SELECT x.n, x.i ->> 'number' AS number, t.fault INTO bad
      FROM jsonb_array_elements(p_items) WITH ORDINALITY AS x(i, n),
           LATERAL (SELECT f.k, hsp._text_fault(x.i ->> f.what, f.what, f.what = 'recommendation')
                      FROM unnest(ARRAY['ref', 'recommendation', 'management_response', 'deadline', 'owner'])
                           WITH ORDINALITY AS f(what, k)
                    UNION ALL
                    SELECT 10 + 2 * m.k + f.k, 'milestone ' || m.k || ': ' || hsp._text_fault(m.m ->> f.what, f.what, false)
                      FROM jsonb_array_elements(x.i -> 'milestones') WITH ORDINALITY AS m(m, k),
                           unnest(ARRAY['label', 'deadline']) WITH ORDINALITY AS f(what, k)
                    UNION ALL
                    SELECT 1000000 + v.k, 'revision ' || v.k || ': a revision needs its reason'
                      FROM jsonb_array_elements(x.i -> 'revisions') WITH ORDINALITY AS v(v, k)
                     WHERE hsp._blank(v.v ->> 'reason')) AS t(k, fault)
     WHERE t.fault IS NOT NULL
     ORDER BY x.n, t.k LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'item % (number %): %', bad.n, bad.number, bad.fault USING ERRCODE = 'HS400';
    END IF;
END $$;

-- A new plan from checked documents (the client reads and checks the file first; the server checks
-- again): items with their milestones, revisions and history as given, each entry of that history
-- marked as imported by session_user at the server's time (its author and time are the file's
-- claim, not this server's record), plus, unless p_action is NULL, one entry per item for this
-- import (p_action 'import' or 'create'), by session_user at the server's time. A plan of the same
-- name is never replaced (the name's unique key decides between two at once: no lock to take).
CREATE OR REPLACE FUNCTION hsp.add_plan(p_name text, p_meta jsonb, p_items jsonb, p_action text, p_note text)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    new_id integer;
    items integer;
    by_ text := session_user;
    at_ text := hsp._now_text();
BEGIN
    IF p_action IS NOT NULL AND p_action NOT IN ('import', 'create') THEN
        RAISE EXCEPTION 'a new plan is imported or created, not %', quote_literal(p_action) USING ERRCODE = 'HS400';
    END IF;
    PERFORM hsp._check_plan_name(p_name);
    IF p_note IS NOT NULL THEN PERFORM hsp._check_text(p_note, 'note'); END IF;
    PERFORM hsp._check_documents(p_meta, p_items);
    BEGIN
        INSERT INTO hsp.plan (name, meta) VALUES (p_name, p_meta - 'contacts' - 'history') RETURNING id INTO new_id;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'a plan named % already exists in this database (a plan is never replaced: '
            'import under another --plan name)', quote_literal(p_name) USING ERRCODE = 'HS409';
    END;
    -- the plan's contacts and its own history (as in the file) go to their own tables
    INSERT INTO hsp.contact (plan_id, owner_key, owner, addresses, sponsor)
    SELECT new_id, hsp._owner_key(c ->> 'owner'), c ->> 'owner', ARRAY(SELECT jsonb_array_elements_text(c -> 'addresses')),
           hsp._addresses(coalesce(nullif(c -> 'sponsor', 'null'::jsonb), '[]'), false, true)
      FROM jsonb_array_elements(coalesce(p_meta -> 'contacts', '[]')) AS c
     WHERE jsonb_array_length(coalesce(c -> 'addresses', '[]')) > 0
    ON CONFLICT DO NOTHING;
    INSERT INTO hsp.plan_history (plan_id, id, at, by, action, field, old, new, note, imported_by, imported_at, "on")
    SELECT new_id, (h ->> 'id')::integer, h ->> 'at', h ->> 'by', h ->> 'action', h ->> 'field',
           nullif(h -> 'old', 'null'::jsonb), nullif(h -> 'new', 'null'::jsonb), h ->> 'note', by_, at_,
           to_date(h ->> 'on', 'YYYY-MM-DD')
      FROM jsonb_array_elements(coalesce(p_meta -> 'history', '[]')) AS h;
    INSERT INTO hsp.item (plan_id, number, ref, recommendation, management_response, deadline, owner, status,
                          milestones, revisions, repairs, chars)
    SELECT new_id, (i ->> 'number')::integer, i ->> 'ref', i ->> 'recommendation', i ->> 'management_response',
           i ->> 'deadline', i ->> 'owner', i ->> 'status', i -> 'milestones', i -> 'revisions', i -> 'repairs',
           length(i::text)
      FROM jsonb_array_elements(p_items) AS i;
    GET DIAGNOSTICS items = ROW_COUNT;
    INSERT INTO hsp.history (plan_id, number, id, at, by, action, field, old, new, note, undoes, imported_by, imported_at,
                             "on", evidence)
    SELECT new_id, (i ->> 'number')::integer, (h ->> 'id')::integer, h ->> 'at', h ->> 'by', h ->> 'action',
           h ->> 'field', nullif(h -> 'old', 'null'::jsonb), nullif(h -> 'new', 'null'::jsonb), h ->> 'note',
           (h ->> 'undoes')::integer, by_, at_, to_date(h ->> 'on', 'YYYY-MM-DD'),
           ARRAY(SELECT jsonb_array_elements_text(coalesce(h -> 'evidence', '[]')))
      FROM jsonb_array_elements(p_items) AS i, jsonb_array_elements(i -> 'history') AS h;
    INSERT INTO hsp.history (plan_id, number, id, at, by, action, note)
    SELECT new_id, (i ->> 'number')::integer,
           hsp._next_id((SELECT max((h ->> 'id')::bigint) FROM jsonb_array_elements(i -> 'history') AS h),
                        'recommendation ' || (i ->> 'number')),
           at_, by_, p_action, p_note
      FROM jsonb_array_elements(p_items) AS i
     WHERE p_action IS NOT NULL;
    RETURN items;
END $$;

-- Reminders and contacts (the follow-up work) ---------------------------------------------------

-- Addresses as a reminder's recipients, as rules.contact_addresses (p_once: each once, compared
-- case-folded) and rules.reminder_recipients (p_required: at least one): a JSON array of plain
-- addresses, spaces around each dropped (no names, no spaces inside).
CREATE OR REPLACE FUNCTION hsp._addresses(p_addresses jsonb, p_required boolean, p_once boolean) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a jsonb;
    address text;
    out text[] := '{}';
    folded text[] := '{}';
BEGIN
    IF jsonb_typeof(p_addresses) IS DISTINCT FROM 'array' OR (p_required AND jsonb_array_length(p_addresses) = 0) THEN
        RAISE EXCEPTION 'the addresses are a list of e-mail addresses' USING ERRCODE = 'HS400';
    END IF;
    FOR a IN SELECT * FROM jsonb_array_elements(p_addresses) LOOP
        address := CASE WHEN jsonb_typeof(a) = 'string' THEN hsp._strip(a #>> '{}') END;
        IF address IS NULL OR NOT hsp._address_ok(address) THEN
            RAISE EXCEPTION '% is not an e-mail address (write it as name@example.org)', a::text
                USING ERRCODE = 'HS400';
        END IF;
        IF NOT (p_once AND hsp._casefold(address) = ANY (folded)) THEN
            out := out || address;
            folded := folded || hsp._casefold(address);
        END IF;
    END LOOP;
    RETURN out;
END $$;

-- The plan, its contacts locked until the end of the caller's transaction (one change of them at a time).
CREATE OR REPLACE FUNCTION hsp._lock_contacts(p_plan text) RETURNS hsp.plan
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p hsp.plan := hsp._plan(p_plan);
BEGIN
    -- a row lock: readers (no UPDATE right) cannot take it, as they could an advisory lock
    PERFORM 1 FROM hsp.plan WHERE id = p.id FOR NO KEY UPDATE;
    RETURN p;
END $$;

CREATE OR REPLACE FUNCTION hsp._plan_entry(h hsp.plan_history) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT hsp._entry_object(to_jsonb(h))
$$;

-- The start of a change of the contacts made by the client's own rules: the plan's metadata,
-- contacts and own history, the contacts locked, with the time and user the entry will carry.
CREATE OR REPLACE FUNCTION hsp.lock_meta(p_plan text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p hsp.plan := hsp._lock_contacts(p_plan);
BEGIN
    RETURN jsonb_build_object(
        'meta', p.meta,
        'contacts', (SELECT coalesce(jsonb_agg(jsonb_build_object('owner', c.owner, 'addresses', to_jsonb(c.addresses),
                                                                  'sponsor', to_jsonb(c.sponsor))
                                               ORDER BY c.owner_key), '[]'::jsonb)
                       FROM hsp.contact c WHERE c.plan_id = p.id),
        'history', (SELECT coalesce(jsonb_agg(hsp._plan_entry(h) ORDER BY h.id), '[]'::jsonb)
                      FROM hsp.plan_history h WHERE h.plan_id = p.id),
        'stamp_at', hsp._now_text(), 'stamp_by', session_user::text);
END $$;

-- Where reminders for an owner go; an empty list removes the contact (and its sponsor). p_sponsor:
-- the addresses copied on escalated reminders (NULL: as they are; an empty list: none), as
-- commands.SetContact has it. Appends the plan's history entry (action 'contact', field the owner,
-- old and new the contact, {addresses, sponsor}, or null for none) by session_user; nothing when
-- neither the addresses nor the sponsor change.
CREATE OR REPLACE FUNCTION hsp.set_contact(p_plan text, p_owner text, p_addresses jsonb, p_sponsor jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p hsp.plan;
    c hsp.contact;
    had boolean;
    key text;
    owner_name text;
    new_addresses text[];
    new_sponsor text[];
    next_id integer;
    entry jsonb;
BEGIN
    PERFORM hsp._check_text(p_owner, 'owner');
    new_addresses := hsp._addresses(p_addresses, false, true);
    IF p_sponsor IS NOT NULL AND jsonb_typeof(p_sponsor) <> 'null' THEN
        new_sponsor := hsp._addresses(p_sponsor, false, true);
    END IF;
    p := hsp._lock_contacts(p_plan);
    key := hsp._owner_key(p_owner);
    SELECT * INTO c FROM hsp.contact WHERE plan_id = p.id AND owner_key = key;
    had := FOUND;
    IF NOT had AND cardinality(new_addresses) = 0 THEN
        RAISE EXCEPTION 'no contact for %; ''hsp-tui contact list'' shows them', quote_literal(p_owner)
            USING ERRCODE = 'HS404';
    END IF;
    new_sponsor := coalesce(new_sponsor, CASE WHEN had THEN c.sponsor ELSE '{}'::text[] END);
    IF had AND c.addresses = new_addresses AND c.sponsor = new_sponsor THEN
        RETURN jsonb_build_object('entry', NULL);
    END IF;
    owner_name := CASE WHEN had THEN c.owner ELSE hsp._squash(p_owner) END;
    IF cardinality(new_addresses) = 0 THEN
        DELETE FROM hsp.contact WHERE plan_id = p.id AND owner_key = key;
    ELSIF had THEN
        UPDATE hsp.contact SET addresses = new_addresses, sponsor = new_sponsor WHERE plan_id = p.id AND owner_key = key;
    ELSE
        INSERT INTO hsp.contact (plan_id, owner_key, owner, addresses, sponsor)
        VALUES (p.id, key, owner_name, new_addresses, new_sponsor);
    END IF;
    SELECT hsp._next_id(max(id), 'the plan') INTO next_id FROM hsp.plan_history WHERE plan_id = p.id;
    INSERT INTO hsp.plan_history (plan_id, id, at, by, action, field, old, new, note, "on")
    VALUES (p.id, next_id, hsp._now_text(), session_user, 'contact', owner_name,
            CASE WHEN had THEN jsonb_build_object('addresses', to_jsonb(c.addresses), 'sponsor', to_jsonb(c.sponsor)) END,
            CASE WHEN cardinality(new_addresses) > 0
                 THEN jsonb_build_object('addresses', to_jsonb(new_addresses), 'sponsor', to_jsonb(new_sponsor)) END, NULL,
            hsp._effective_on(p.id, (SELECT max(hsp._day(h.at, h."on")) FROM hsp.plan_history h
                                      WHERE h.plan_id = p.id)));
    SELECT hsp._plan_entry(h) INTO entry FROM hsp.plan_history h WHERE h.plan_id = p.id AND h.id = next_id;
    RETURN jsonb_build_object('entry', entry);
END $$;

-- The entry of a reminder, gone already or (p_pending) about to go: its rules, once for both.
CREATE OR REPLACE FUNCTION hsp._record_reminder(p_plan text, p_number integer, p_to jsonb, p_owner text,
                                                p_via text, p_pending boolean)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r hsp.item;
    recipients text[];
BEGIN
    IF p_via IS NULL OR NOT p_via = ANY (hsp._reminder_vias()) THEN
        RAISE EXCEPTION 'a reminder is sent by smtp or written to an outbox, not %', quote_literal(p_via)
            USING ERRCODE = 'HS400';
    END IF;
    recipients := hsp._addresses(p_to, true, false);
    PERFORM hsp._check_text(p_owner, 'owner');
    r := hsp._lock_item(p_plan, p_number);
    RETURN jsonb_build_object('entry', hsp._append(p_plan, r, 'remind', NULL, NULL,
        jsonb_build_object('to', to_jsonb(recipients), 'owner', p_owner, 'via', p_via)
            || CASE WHEN p_pending THEN '{"pending": true}'::jsonb ELSE '{}'::jsonb END, NULL));
END $$;

-- A reminder about an item was sent (p_via 'smtp') or written to an outbox ('outbox') to its
-- owner's addresses: an entry of the item's history (action 'remind') by session_user.
CREATE OR REPLACE FUNCTION hsp.record_reminder(p_plan text, p_number integer, p_to jsonb, p_owner text, p_via text)
RETURNS jsonb
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT hsp._record_reminder(p_plan, p_number, p_to, p_owner, p_via, false)
$$;

-- Evidence (issue 24) ------------------------------------------------------------------------------
-- A copy of a document is kept first (hsp.keep_copy: the server computes its SHA-256 and enforces
-- the sizes), then attached to an item by an entry of its history (hsp.attach, which finds the
-- copy by its hash and checks its size); a wrong attachment is withdrawn by another entry
-- (hsp.withdraw), its copy kept. Only the database's owner may purge a copy (hsp.purge_copy).

-- The plan's row locked for a change of its copies until the end of the caller's transaction: one
-- keep or purge at a time per plan, so its total is counted right (readers cannot take this lock).
CREATE OR REPLACE FUNCTION hsp._lock_copies(p_plan text) RETURNS hsp.plan
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p hsp.plan := hsp._plan(p_plan);
BEGIN
    PERFORM 1 FROM hsp.plan WHERE id = p.id FOR NO KEY UPDATE;
    RETURN p;
END $$;

CREATE OR REPLACE FUNCTION hsp._purged(c hsp.copy) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT 'the copy ' || left(c.sha256, 12) || ' was purged by ' || c.purged_by || ' on '
           || to_char(c.purged_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') || ' (' || c.purge_reason || ')'
$$;

-- Keeps a copy of a document for plan p_plan (officers): its SHA-256 (lower-case hex), computed
-- here. The same document again is kept once. At most evidence_file_bytes per copy and
-- evidence_plan_bytes for a plan's copies together (each counted once; purged ones not at all).
CREATE OR REPLACE FUNCTION hsp.keep_copy(p_plan text, p_content bytea) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p hsp.plan;
    c hsp.copy;
    bytes bigint := octet_length(p_content);
    hash text;
    total bigint;
BEGIN
    IF p_content IS NULL THEN
        RAISE EXCEPTION 'a copy needs the document''s content' USING ERRCODE = 'HS400';
    END IF;
    IF bytes > hsp._bound('evidence_file_bytes') THEN
        RAISE EXCEPTION 'a copy is at most % MB (% bytes); this document is % bytes; nothing was kept',
            hsp._bound('evidence_file_bytes') / 1048576, to_char(hsp._bound('evidence_file_bytes'), 'FM999,999,999,999'),
            to_char(bytes, 'FM999,999,999,999') USING ERRCODE = 'HS400';
    END IF;
    hash := encode(sha256(p_content), 'hex');
    p := hsp._lock_copies(p_plan);
    SELECT * INTO c FROM hsp.copy WHERE plan_id = p.id AND sha256 = hash;
    IF FOUND AND c.content IS NULL THEN
        RAISE EXCEPTION '%; it is not kept again', hsp._purged(c) USING ERRCODE = 'HS409';
    ELSIF FOUND THEN
        RETURN hash;
    END IF;
    SELECT coalesce(sum(size), 0) INTO total FROM hsp.copy WHERE plan_id = p.id AND content IS NOT NULL;
    IF total + bytes > hsp._bound('evidence_plan_bytes') THEN
        RAISE EXCEPTION 'plan % keeps % bytes of copies: with this document''s % it would pass the most a plan '
            'keeps (% bytes, % MB); nothing was kept', quote_literal(p_plan), to_char(total, 'FM999,999,999,999'),
            to_char(bytes, 'FM999,999,999,999'), to_char(hsp._bound('evidence_plan_bytes'), 'FM999,999,999,999'),
            hsp._bound('evidence_plan_bytes') / 1048576 USING ERRCODE = 'HS400';
    END IF;
    INSERT INTO hsp.copy (plan_id, sha256, content, size) VALUES (p.id, hash, p_content, bytes);
    RETURN hash;
END $$;

-- A copy's content (readers too); the caller checks it against its hash before handing it out.
CREATE OR REPLACE FUNCTION hsp.read_copy(p_plan text, p_sha256 text) RETURNS bytea
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p hsp.plan := hsp._plan(p_plan);
    c hsp.copy;
BEGIN
    SELECT * INTO c FROM hsp.copy WHERE plan_id = p.id AND sha256 = p_sha256;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the copy % is missing (none is kept for plan %)', left(p_sha256, 12), quote_literal(p_plan)
            USING ERRCODE = 'HS404';
    END IF;
    IF c.content IS NULL THEN
        RAISE EXCEPTION '%', hsp._purged(c) USING ERRCODE = 'HS404';
    END IF;
    RETURN c.content;
END $$;

-- Attaches evidence to an item (officers): a copy kept already for the plan (found by its hash,
-- its size as kept) or a link (never fetched). An entry of the item's history, action 'attach',
-- by session_user at the server's time.
CREATE OR REPLACE FUNCTION hsp.attach(p_plan text, p_number integer, p_evidence jsonb, p_note text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    evidence jsonb := hsp._check_evidence(p_evidence);
    r hsp.item;
    c hsp.copy;
BEGIN
    IF p_note IS NOT NULL THEN PERFORM hsp._check_text(p_note, 'note'); END IF;
    r := hsp._lock_item(p_plan, p_number);
    IF evidence ? 'sha256' THEN
        SELECT * INTO c FROM hsp.copy WHERE plan_id = r.plan_id AND sha256 = evidence ->> 'sha256';
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no copy of % is kept for plan %: a document is attached once its copy is kept',
                evidence ->> 'name', quote_literal(p_plan) USING ERRCODE = 'HS400';
        END IF;
        IF c.content IS NULL THEN
            RAISE EXCEPTION '%; it cannot be attached', hsp._purged(c) USING ERRCODE = 'HS409';
        END IF;
        IF c.size <> (evidence ->> 'size')::bigint THEN
            RAISE EXCEPTION 'the copy of % kept is % bytes, not %', evidence ->> 'name', c.size, evidence ->> 'size'
                USING ERRCODE = 'HS400';
        END IF;
    END IF;
    RETURN jsonb_build_object('entry', hsp._append(p_plan, r, 'attach', NULL, NULL, evidence, p_note));
END $$;

-- Withdraws an attachment (officers): an entry of its own, action 'withdraw', `undoes` the
-- attachment's id, `old` what it attached, the reason as its note. The attachment stays in the
-- history and its copy stays kept.
CREATE OR REPLACE FUNCTION hsp.withdraw(p_plan text, p_number integer, p_entry_id integer, p_reason text)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r hsp.item;
    t hsp.history;
BEGIN
    IF p_reason IS NULL OR hsp._blank(p_reason) THEN
        RAISE EXCEPTION 'a withdrawal needs the reason: add --note TEXT' USING ERRCODE = 'HS400';
    END IF;
    PERFORM hsp._check_text(p_reason, 'reason');
    r := hsp._lock_item(p_plan, p_number);
    SELECT * INTO t FROM hsp.history WHERE plan_id = r.plan_id AND number = r.number AND id = p_entry_id
                                        AND action = 'attach';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'recommendation % has no attachment #% (hsp-tui evidence list %)', p_number, p_entry_id,
            p_number USING ERRCODE = 'HS404';
    END IF;
    IF EXISTS (SELECT 1 FROM hsp.history WHERE plan_id = r.plan_id AND number = r.number
                                           AND action = 'withdraw' AND undoes = t.id) THEN
        RAISE EXCEPTION 'attachment #% of recommendation % was already withdrawn', p_entry_id, p_number
            USING ERRCODE = 'HS409';
    END IF;
    RETURN jsonb_build_object('entry', hsp._append(p_plan, r, 'withdraw', NULL, t.new, NULL, p_reason, t.id));
END $$;

-- The database's owner only (granted to nobody; and checked: session_user must own the table): blanks a copy's content, for a document that
-- must not be kept (a court order, personal data), recording who, when and why in its row. The
-- entries that attached it stay; reading the copy then says it was purged, by whom and why.
CREATE OR REPLACE FUNCTION hsp.purge_copy(p_plan text, p_sha256 text, p_reason text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p hsp.plan;
    c hsp.copy;
BEGIN
    IF NOT pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = 'hsp.copy'::regclass), 'USAGE') THEN
        RAISE EXCEPTION 'only the database''s owner may purge a copy' USING ERRCODE = '42501';
    END IF;
    IF p_reason IS NULL OR hsp._blank(p_reason) THEN
        RAISE EXCEPTION 'a purge needs its reason' USING ERRCODE = 'HS400';
    END IF;
    PERFORM hsp._check_text(p_reason, 'reason');
    p := hsp._lock_copies(p_plan);
    SELECT * INTO c FROM hsp.copy WHERE plan_id = p.id AND sha256 = p_sha256;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no copy % is kept for plan %', quote_literal(p_sha256), quote_literal(p_plan)
            USING ERRCODE = 'HS404';
    END IF;
    IF c.content IS NULL THEN
        RAISE EXCEPTION '%', hsp._purged(c) USING ERRCODE = 'HS409';
    END IF;
    UPDATE hsp.copy SET content = NULL, purged_by = session_user, purged_at = now(), purge_reason = p_reason
     WHERE plan_id = p.id AND sha256 = p_sha256;
    RETURN jsonb_build_object('sha256', p_sha256, 'size', c.size, 'attachments',
        (SELECT count(*) FROM hsp.history h WHERE h.plan_id = p.id AND h.action = 'attach'
                                              AND h.new ->> 'sha256' = p_sha256));
END $$;

-- A reminder about to go (issue 20: a reminder that cannot be recorded is never sent): recorded
-- first, as pending ('pending': true in its new value), by session_user; hsp.mark_reminder then
-- marks it sent or not sent once the message went or failed. One never marked shows as "not
-- confirmed sent" (domain/reminding.py has the same rules).
CREATE OR REPLACE FUNCTION hsp.record_pending_reminder(p_plan text, p_number integer, p_to jsonb, p_owner text,
                                                       p_via text)
RETURNS jsonb
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT hsp._record_reminder(p_plan, p_number, p_to, p_owner, p_via, true)
$$;

-- The pending reminder p_entry of an item went (p_sent) or did not (p_note: why): a second entry
-- ({"entry": p_entry, "sent": p_sent}), as history is append-only. Only the session user who
-- recorded it marks it, once; an entry an import brought is never marked here.
CREATE OR REPLACE FUNCTION hsp.mark_reminder(p_plan text, p_number integer, p_entry integer, p_sent boolean,
                                             p_note text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r hsp.item;
    h hsp.history;
BEGIN
    IF p_sent IS NULL THEN
        RAISE EXCEPTION 'a reminder is marked sent or not sent' USING ERRCODE = 'HS400';
    END IF;
    IF p_note IS NOT NULL THEN PERFORM hsp._check_text(p_note, 'note'); END IF;
    r := hsp._lock_item(p_plan, p_number);
    SELECT * INTO h FROM hsp.history WHERE plan_id = r.plan_id AND number = r.number AND id = p_entry;
    IF NOT FOUND OR h.action <> 'remind' OR h.imported_by IS NOT NULL
       OR jsonb_typeof(h.new) IS DISTINCT FROM 'object' OR h.new -> 'pending' IS DISTINCT FROM 'true'::jsonb THEN
        RAISE EXCEPTION 'change #% on recommendation % is not a reminder waiting to be marked sent', p_entry, p_number
            USING ERRCODE = 'HS400';
    END IF;
    IF h."by" <> session_user THEN
        RAISE EXCEPTION 'reminder #% on recommendation % was recorded by %: only they mark it sent', p_entry, p_number,
            h."by" USING ERRCODE = 'HS400';
    END IF;
    IF EXISTS (SELECT 1 FROM hsp.history m WHERE m.plan_id = r.plan_id AND m.number = r.number AND m.action = 'remind'
                  AND jsonb_typeof(m.new) = 'object' AND m.new ? 'entry' AND m.new -> 'entry' = to_jsonb(p_entry)) THEN
        RAISE EXCEPTION 'reminder #% on recommendation % is already marked', p_entry, p_number USING ERRCODE = 'HS409';
    END IF;
    RETURN jsonb_build_object('entry', hsp._append(p_plan, r, 'remind', NULL, NULL,
        jsonb_build_object('entry', p_entry, 'sent', p_sent), p_note));
END $$;
