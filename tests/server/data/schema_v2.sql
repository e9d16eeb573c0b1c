-- A database as hsp-tui left it at schema version 2 (contacts and the plan's own history in
-- tables of their own; owners keyed by lower() and btrim): the version 1 and 2 sections, their
-- functions and grants, exactly as that version's `init` applied them. tests/server/test_upgrade_v3.py
-- upgrades it in place. Run as the database's owner, with the group roles present.
CREATE SCHEMA hsp;
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
-- Contacts (where reminders for each owner go) and the plan's own history (contacts set or
-- removed), each in a table of its own: officers change them only through hsp.set_contact.
-- Version 1 kept a plan file's contacts and plan history inside hsp.plan.meta as imported: they
-- are moved here. (Reminders are entries of the items' history, action 'remind'.)
CREATE FUNCTION hsp._owner_key(p_owner text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT lower(regexp_replace(btrim(p_owner, E' \t\r\n'), '\s+', ' ', 'g'))
$$;

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
INSERT INTO hsp.info (key, value) VALUES ('schema_version', '2');

-- Errors raised here carry SQLSTATEs the client maps to its own errors:
--   HS400 bad input (exit 2), HS404 no such plan / item / milestone / entry (exit 2),
--   HS409 conflict (exit 4). Messages are one line.

CREATE OR REPLACE FUNCTION hsp._now_text() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '+00:00'
$$;

CREATE OR REPLACE FUNCTION hsp._check_text(p_value text, p_what text, p_limit integer) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_value IS NULL OR btrim(p_value, E' \t\r\n') = '' THEN
        RAISE EXCEPTION '% is empty', p_what USING ERRCODE = 'HS400';
    END IF;
    IF length(p_value) > p_limit THEN
        RAISE EXCEPTION '% is longer than % characters', p_what, p_limit USING ERRCODE = 'HS400';
    END IF;
END $$;

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

-- Appends the item's next history entry (by session_user, at the server's time) and notifies.
CREATE OR REPLACE FUNCTION hsp._append(p_plan text, r hsp.item, p_action text, p_field text, p_old jsonb,
                                       p_new jsonb, p_note text, p_undoes integer DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    next_id integer;
    entry jsonb;
BEGIN
    SELECT coalesce(max(id), 0) + 1 INTO next_id FROM hsp.history WHERE plan_id = r.plan_id AND number = r.number;
    INSERT INTO hsp.history (plan_id, number, id, at, by, action, field, old, new, note, undoes)
    VALUES (r.plan_id, r.number, next_id, hsp._now_text(), session_user, p_action, p_field,
            nullif(p_old, 'null'::jsonb), nullif(p_new, 'null'::jsonb), p_note, p_undoes);
    SELECT hsp._entry(h) INTO entry FROM hsp.history h
     WHERE h.plan_id = r.plan_id AND h.number = r.number AND h.id = next_id;
    -- The plan's version, counted last (its row is locked only from here to the commit).
    UPDATE hsp.plan SET changes = changes + 1 WHERE id = r.plan_id;
    PERFORM pg_notify('hsp_tui', json_build_object('plan', p_plan, 'number', r.number)::text);
    RETURN entry;
END $$;

-- One history row as the entry the app reads ('undoes' only where it is set).
CREATE OR REPLACE FUNCTION hsp._entry(h hsp.history) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_build_object('id', h.id, 'at', h.at, 'by', h.by, 'action', h.action, 'field', h.field,
                              'old', h.old, 'new', h.new, 'note', h.note)
           || CASE WHEN h.undoes IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('undoes', h.undoes) END
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
    RETURN (to_jsonb(r) - 'plan_id')
        || jsonb_build_object(
               'history', (SELECT coalesce(jsonb_agg(hsp._entry(h) ORDER BY h.id), '[]'::jsonb)
                             FROM hsp.history h WHERE h.plan_id = r.plan_id AND h.number = r.number),
               'stamp_at', hsp._now_text(), 'stamp_by', session_user::text);
END $$;

CREATE OR REPLACE FUNCTION hsp.set_status(p_plan text, p_number integer, p_status text, p_note text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r hsp.item;
BEGIN
    IF p_status IS NULL OR p_status NOT IN ('not_started', 'in_progress', 'blocked', 'done', 'dropped') THEN
        RAISE EXCEPTION 'unknown status %: use one of not_started, in_progress, blocked, done, dropped '
            '(an item becomes verified only by an auditor''s verdict)', quote_literal(p_status) USING ERRCODE = 'HS400';
    END IF;
    IF p_note IS NOT NULL THEN PERFORM hsp._check_text(p_note, 'note', 1000000); END IF;
    r := hsp._lock_item(p_plan, p_number);
    IF r.status = p_status AND p_note IS NULL THEN
        RETURN jsonb_build_object('entry', NULL, 'old', r.status);
    END IF;
    UPDATE hsp.item SET status = p_status WHERE plan_id = r.plan_id AND number = r.number;
    RETURN jsonb_build_object('old', r.status, 'entry',
        hsp._append(p_plan, r, 'set', 'status', to_jsonb(r.status), to_jsonb(p_status), p_note));
END $$;

CREATE OR REPLACE FUNCTION hsp.add_note(p_plan text, p_number integer, p_text text)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r hsp.item;
BEGIN
    PERFORM hsp._check_text(p_text, 'note', 1000000);
    r := hsp._lock_item(p_plan, p_number);
    RETURN jsonb_build_object('entry', hsp._append(p_plan, r, 'note', NULL, NULL, NULL, p_text));
END $$;

CREATE OR REPLACE FUNCTION hsp.set_owner(p_plan text, p_number integer, p_owner text, p_note text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r hsp.item;
BEGIN
    PERFORM hsp._check_text(p_owner, 'owner', 10000);
    IF p_note IS NOT NULL THEN PERFORM hsp._check_text(p_note, 'note', 1000000); END IF;
    r := hsp._lock_item(p_plan, p_number);
    IF r.owner = p_owner AND p_note IS NULL THEN
        RETURN jsonb_build_object('entry', NULL, 'old', r.owner);
    END IF;
    UPDATE hsp.item SET owner = p_owner WHERE plan_id = r.plan_id AND number = r.number;
    RETURN jsonb_build_object('old', r.owner, 'entry',
        hsp._append(p_plan, r, 'set', 'owner', to_jsonb(r.owner), to_jsonb(p_owner), p_note));
END $$;

-- A revised deadline; the deadline agreed in the plan is kept. (The client checks that the text
-- reads as a deadline before it calls this.)
CREATE OR REPLACE FUNCTION hsp.revise(p_plan text, p_number integer, p_deadline text, p_reason text)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r hsp.item;
    old_deadline text;
BEGIN
    PERFORM hsp._check_text(p_deadline, 'deadline', 1000);
    IF p_reason IS NULL OR btrim(p_reason, E' \t\r\n') = '' THEN
        RAISE EXCEPTION 'a revised deadline needs a reason (--reason TEXT)' USING ERRCODE = 'HS400';
    END IF;
    PERFORM hsp._check_text(p_reason, 'reason', 1000000);
    r := hsp._lock_item(p_plan, p_number);
    old_deadline := coalesce(r.revisions -> -1 ->> 'deadline', r.deadline);
    IF regexp_replace(btrim(old_deadline, E' \t\r\n'), '\s+', ' ', 'g')
       = regexp_replace(btrim(p_deadline, E' \t\r\n'), '\s+', ' ', 'g') THEN
        RETURN jsonb_build_object('entry', NULL, 'old', old_deadline);
    END IF;
    UPDATE hsp.item
       SET revisions = revisions || jsonb_build_array(jsonb_build_object(
               'deadline', p_deadline, 'reason', p_reason, 'by', session_user::text, 'at', hsp._now_text()))
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
    IF p_note IS NOT NULL THEN PERFORM hsp._check_text(p_note, 'note', 1000000); END IF;
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

-- An auditor's verdict on a done item (granted to hsp_auditor only): accepted makes it verified;
-- rejected sends it back to in_progress, with the auditor's reason (required) as the note.
CREATE OR REPLACE FUNCTION hsp.verify(p_plan text, p_number integer, p_accepted boolean, p_note text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r hsp.item;
    new_status text := CASE WHEN p_accepted THEN 'verified' ELSE 'in_progress' END;
BEGIN
    IF p_accepted IS NULL THEN
        RAISE EXCEPTION 'a verdict is accepted or rejected' USING ERRCODE = 'HS400';
    END IF;
    IF NOT p_accepted AND (p_note IS NULL OR btrim(p_note, E' \t\r\n') = '') THEN
        RAISE EXCEPTION 'a rejected item needs the auditor''s reason: add --note TEXT' USING ERRCODE = 'HS400';
    END IF;
    IF p_note IS NOT NULL THEN PERFORM hsp._check_text(p_note, 'note', 1000000); END IF;
    r := hsp._lock_item(p_plan, p_number);
    IF r.status <> 'done' THEN
        RAISE EXCEPTION 'recommendation % is not done: only an item done and awaiting verification can be verified',
            p_number USING ERRCODE = 'HS400';
    END IF;
    UPDATE hsp.item SET status = new_status WHERE plan_id = r.plan_id AND number = r.number;
    RETURN jsonb_build_object('old', r.status, 'entry',
        hsp._append(p_plan, r, 'verify', 'status', to_jsonb(r.status), to_jsonb(new_status), p_note));
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
        IF t.field = 'status' THEN
            UPDATE hsp.item SET status = t.old #>> '{}' WHERE plan_id = r.plan_id AND number = r.number;
        ELSE
            UPDATE hsp.item SET owner = t.old #>> '{}' WHERE plan_id = r.plan_id AND number = r.number;
        END IF;
        RETURN jsonb_build_object('entry',
            hsp._append(p_plan, r, 'undo', t.field, t.new, t.old, NULL, t.id), 'target', to_jsonb(t));
    END IF;
    IF t.field = 'milestone' THEN
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
        RETURN jsonb_build_object('entry',
            hsp._append(p_plan, r, 'undo', t.field, t.new, t.old, NULL, t.id), 'target', to_jsonb(t));
    END IF;
    IF t.field = 'deadline' THEN
        IF jsonb_array_length(r.revisions) = 0
           OR to_jsonb(r.revisions -> -1 ->> 'deadline') IS DISTINCT FROM t.new THEN
            RAISE EXCEPTION 'recommendation %: the deadline has been revised since; not undone', p_number
                USING ERRCODE = 'HS409';
        END IF;
        UPDATE hsp.item
           SET revisions = revisions || jsonb_build_array(jsonb_build_object(
                   'deadline', t.old #>> '{}', 'reason', 'undo of change #' || t.id,
                   'by', session_user::text, 'at', hsp._now_text()))
         WHERE plan_id = r.plan_id AND number = r.number;
        RETURN jsonb_build_object('entry',
            hsp._append(p_plan, r, 'undo', t.field, t.new, t.old, NULL, t.id), 'target', to_jsonb(t));
    END IF;
    RAISE EXCEPTION 'change #% on recommendation % (%) cannot be undone: only status, owner, deadline, '
        'milestone and note changes can', p_entry_id, p_number, t.action USING ERRCODE = 'HS400';
END $$;

-- A new plan from checked documents (the client reads and checks the file first): items with
-- their milestones, revisions and history as given (original authors and times kept), plus,
-- unless p_action is NULL, one entry per item for this import (p_action 'import' or 'create'),
-- by session_user at the server's time. A plan of the same name is never replaced.
CREATE OR REPLACE FUNCTION hsp.add_plan(p_name text, p_meta jsonb, p_items jsonb, p_action text, p_note text)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    new_id integer;
    items integer;
BEGIN
    IF p_action IS NOT NULL AND p_action NOT IN ('import', 'create') THEN
        RAISE EXCEPTION 'a new plan is imported or created, not %', quote_literal(p_action) USING ERRCODE = 'HS400';
    END IF;
    IF p_name IS NULL OR length(p_name) NOT BETWEEN 1 AND 200 OR btrim(p_name) <> p_name OR p_name ~ '[[:cntrl:]]' THEN
        RAISE EXCEPTION 'plan name %: use 1 to 200 characters, no leading or trailing spaces',
            quote_literal(p_name) USING ERRCODE = 'HS400';
    END IF;
    IF jsonb_typeof(p_items) IS DISTINCT FROM 'array' OR jsonb_typeof(p_meta) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'a plan is an object of metadata and an array of items' USING ERRCODE = 'HS400';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('hsp.plan:' || p_name));
    IF EXISTS (SELECT 1 FROM hsp.plan WHERE name = p_name) THEN
        RAISE EXCEPTION 'a plan named % already exists in this database (a plan is never replaced: '
            'import under another --plan name)', quote_literal(p_name) USING ERRCODE = 'HS409';
    END IF;
    -- the plan's contacts and its own history (as in the file) go to their own tables
    INSERT INTO hsp.plan (name, meta) VALUES (p_name, p_meta - 'contacts' - 'history') RETURNING id INTO new_id;
    INSERT INTO hsp.contact (plan_id, owner_key, owner, addresses)
    SELECT new_id, hsp._owner_key(c ->> 'owner'), c ->> 'owner', ARRAY(SELECT jsonb_array_elements_text(c -> 'addresses'))
      FROM jsonb_array_elements(coalesce(p_meta -> 'contacts', '[]')) AS c
     WHERE jsonb_array_length(coalesce(c -> 'addresses', '[]')) > 0
    ON CONFLICT DO NOTHING;
    INSERT INTO hsp.plan_history (plan_id, id, at, by, action, field, old, new, note)
    SELECT new_id, (h ->> 'id')::integer, coalesce(h ->> 'at', ''), coalesce(h ->> 'by', ''),
           coalesce(h ->> 'action', ''), h ->> 'field', nullif(h -> 'old', 'null'::jsonb),
           nullif(h -> 'new', 'null'::jsonb), h ->> 'note'
      FROM jsonb_array_elements(coalesce(p_meta -> 'history', '[]')) AS h;
    INSERT INTO hsp.item (plan_id, number, ref, recommendation, management_response, deadline, owner, status,
                          milestones, revisions, repairs)
    SELECT new_id, (i ->> 'number')::integer, coalesce(i ->> 'ref', ''), coalesce(i ->> 'recommendation', ''),
           coalesce(i ->> 'management_response', ''), coalesce(i ->> 'deadline', ''), coalesce(i ->> 'owner', ''),
           coalesce(i ->> 'status', 'not_started'), coalesce(i -> 'milestones', '[]'),
           coalesce(i -> 'revisions', '[]'), coalesce(i -> 'repairs', '[]')
      FROM jsonb_array_elements(p_items) AS i;
    GET DIAGNOSTICS items = ROW_COUNT;
    INSERT INTO hsp.history (plan_id, number, id, at, by, action, field, old, new, note, undoes)
    SELECT new_id, (i ->> 'number')::integer, (h ->> 'id')::integer, coalesce(h ->> 'at', ''),
           coalesce(h ->> 'by', ''), coalesce(h ->> 'action', ''), h ->> 'field',
           nullif(h -> 'old', 'null'::jsonb), nullif(h -> 'new', 'null'::jsonb), h ->> 'note',
           (h ->> 'undoes')::integer
      FROM jsonb_array_elements(p_items) AS i, jsonb_array_elements(coalesce(i -> 'history', '[]')) AS h;
    INSERT INTO hsp.history (plan_id, number, id, at, by, action, note)
    SELECT new_id, (i ->> 'number')::integer,
           coalesce((SELECT max((h ->> 'id')::integer) FROM jsonb_array_elements(coalesce(i -> 'history', '[]')) AS h), 0) + 1,
           hsp._now_text(), session_user, p_action, p_note
      FROM jsonb_array_elements(p_items) AS i
     WHERE p_action IS NOT NULL;
    PERFORM pg_notify('hsp_tui', json_build_object('plan', p_name, 'number', NULL)::text);
    RETURN items;
END $$;

-- Reminders and contacts (the follow-up work) ---------------------------------------------------

-- Addresses as a reminder's recipients: a JSON array of plain addresses (no names, no spaces).
CREATE OR REPLACE FUNCTION hsp._check_addresses(p_addresses jsonb, p_required boolean) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a jsonb;
BEGIN
    IF jsonb_typeof(p_addresses) IS DISTINCT FROM 'array' OR (p_required AND jsonb_array_length(p_addresses) = 0) THEN
        RAISE EXCEPTION 'the addresses are a list of e-mail addresses' USING ERRCODE = 'HS400';
    END IF;
    FOR a IN SELECT * FROM jsonb_array_elements(p_addresses) LOOP
        IF jsonb_typeof(a) <> 'string' OR length(a #>> '{}') > 254
           OR (a #>> '{}') !~ '^[^]@[:space:][:cntrl:]<>(),;:"[\\]+@[^]@[:space:][:cntrl:]<>(),;:"[\\]+$' THEN
            RAISE EXCEPTION '% is not an e-mail address (write it as name@example.org)', a::text
                USING ERRCODE = 'HS400';
        END IF;
    END LOOP;
END $$;

-- The plan, its contacts locked until the end of the caller's transaction (one change of them at a time).
CREATE OR REPLACE FUNCTION hsp._lock_contacts(p_plan text) RETURNS hsp.plan
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p hsp.plan := hsp._plan(p_plan);
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('hsp.contact'), p.id);
    RETURN p;
END $$;

CREATE OR REPLACE FUNCTION hsp._plan_entry(h hsp.plan_history) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_build_object('id', h.id, 'at', h.at, 'by', h.by, 'action', h.action, 'field', h.field,
                              'old', h.old, 'new', h.new, 'note', h.note)
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
        'contacts', (SELECT coalesce(jsonb_agg(jsonb_build_object('owner', c.owner, 'addresses', to_jsonb(c.addresses))
                                               ORDER BY c.owner_key), '[]'::jsonb)
                       FROM hsp.contact c WHERE c.plan_id = p.id),
        'history', (SELECT coalesce(jsonb_agg(hsp._plan_entry(h) ORDER BY h.id), '[]'::jsonb)
                      FROM hsp.plan_history h WHERE h.plan_id = p.id),
        'stamp_at', hsp._now_text(), 'stamp_by', session_user::text);
END $$;

-- Where reminders for an owner go; an empty list removes the contact. Appends the plan's history
-- entry (action 'contact', field the owner, old and new the addresses) by session_user.
CREATE OR REPLACE FUNCTION hsp.set_contact(p_plan text, p_owner text, p_addresses jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p hsp.plan;
    c hsp.contact;
    had boolean;
    key text;
    owner_name text;
    new_addresses text[];
    next_id integer;
    entry jsonb;
BEGIN
    PERFORM hsp._check_text(p_owner, 'owner', 10000);
    PERFORM hsp._check_addresses(p_addresses, false);
    p := hsp._lock_contacts(p_plan);
    key := hsp._owner_key(p_owner);
    new_addresses := ARRAY(SELECT jsonb_array_elements_text(p_addresses));
    SELECT * INTO c FROM hsp.contact WHERE plan_id = p.id AND owner_key = key;
    had := FOUND;
    IF NOT had AND cardinality(new_addresses) = 0 THEN
        RAISE EXCEPTION 'no contact for %; ''hsp-tui contact list'' shows them', quote_literal(p_owner)
            USING ERRCODE = 'HS404';
    END IF;
    IF had AND c.addresses = new_addresses THEN
        RETURN jsonb_build_object('entry', NULL);
    END IF;
    owner_name := CASE WHEN had THEN c.owner ELSE regexp_replace(btrim(p_owner, E' \t\r\n'), '\s+', ' ', 'g') END;
    IF cardinality(new_addresses) = 0 THEN
        DELETE FROM hsp.contact WHERE plan_id = p.id AND owner_key = key;
    ELSIF had THEN
        UPDATE hsp.contact SET addresses = new_addresses WHERE plan_id = p.id AND owner_key = key;
    ELSE
        INSERT INTO hsp.contact (plan_id, owner_key, owner, addresses) VALUES (p.id, key, owner_name, new_addresses);
    END IF;
    SELECT coalesce(max(id), 0) + 1 INTO next_id FROM hsp.plan_history WHERE plan_id = p.id;
    INSERT INTO hsp.plan_history (plan_id, id, at, by, action, field, old, new, note)
    VALUES (p.id, next_id, hsp._now_text(), session_user, 'contact', owner_name,
            CASE WHEN had THEN to_jsonb(c.addresses) END,
            CASE WHEN cardinality(new_addresses) > 0 THEN to_jsonb(new_addresses) END, NULL);
    SELECT hsp._plan_entry(h) INTO entry FROM hsp.plan_history h WHERE h.plan_id = p.id AND h.id = next_id;
    UPDATE hsp.plan SET changes = changes + 1 WHERE id = p.id;
    PERFORM pg_notify('hsp_tui', json_build_object('plan', p_plan, 'number', NULL)::text);
    RETURN jsonb_build_object('entry', entry);
END $$;

-- A reminder about an item was sent (p_via 'smtp') or written to an outbox ('outbox') to its
-- owner's addresses: an entry of the item's history (action 'remind') by session_user.
CREATE OR REPLACE FUNCTION hsp.record_reminder(p_plan text, p_number integer, p_to jsonb, p_owner text, p_via text)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r hsp.item;
BEGIN
    IF p_via IS NULL OR p_via NOT IN ('smtp', 'outbox') THEN
        RAISE EXCEPTION 'a reminder is sent by smtp or written to an outbox, not %', quote_literal(p_via)
            USING ERRCODE = 'HS400';
    END IF;
    PERFORM hsp._check_addresses(p_to, true);
    PERFORM hsp._check_text(p_owner, 'owner', 10000);
    r := hsp._lock_item(p_plan, p_number);
    RETURN jsonb_build_object('entry', hsp._append(p_plan, r, 'remind', NULL, NULL,
        jsonb_build_object('to', p_to, 'owner', p_owner, 'via', p_via), NULL));
END $$;

REVOKE ALL ON SCHEMA hsp FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA hsp FROM PUBLIC, hsp_reader, hsp_officer, hsp_auditor;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA hsp FROM PUBLIC, hsp_reader, hsp_officer, hsp_auditor;
GRANT USAGE ON SCHEMA hsp TO hsp_reader;
GRANT SELECT ON hsp.info, hsp.plan, hsp.item, hsp.history, hsp.contact, hsp.plan_history TO hsp_reader;
GRANT EXECUTE ON FUNCTION hsp.lock_item(text, integer), hsp.set_status(text, integer, text, text), hsp.add_note(text, integer, text), hsp.set_owner(text, integer, text, text), hsp.revise(text, integer, text, text), hsp.set_milestone(text, integer, integer, boolean, text), hsp.undo(text, integer, integer), hsp.add_plan(text, jsonb, jsonb, text, text), hsp.lock_meta(text), hsp.set_contact(text, text, jsonb), hsp.record_reminder(text, integer, jsonb, text, text) TO hsp_officer;
GRANT EXECUTE ON FUNCTION hsp.verify(text, integer, boolean, text) TO hsp_auditor;
