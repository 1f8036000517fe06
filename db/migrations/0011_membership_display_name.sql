-- An org sees only the profile it (or the user) set for its own membership, never the one another org set:
-- the display name moves from the global users row to the membership. Existing memberships keep the name they
-- showed until now; users.display_name is no longer read by any tenant view.
ALTER TABLE memberships ADD COLUMN display_name text NOT NULL DEFAULT '' CHECK (length(display_name) <= 200);
UPDATE memberships m SET display_name = u.display_name FROM users u WHERE u.id = m.user_id;
