-- The archived status is going away: its posts become drafts first.
UPDATE posts SET status = 'draft' WHERE status = 'archived';
