-- The diner cuisine is going away: those restaurants are filed under italian first.
UPDATE restaurants SET cuisine = 'italian' WHERE cuisine = 'diner';
