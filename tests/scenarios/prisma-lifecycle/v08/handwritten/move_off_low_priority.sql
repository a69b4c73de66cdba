-- Priority LOW is going away: its work items become NORMAL first.
UPDATE work_items SET priority = 'NORMAL' WHERE priority = 'LOW';
