-- Every restaurant gets a city before the field becomes required.
UPDATE restaurants SET city = 'Unknown' WHERE city IS NULL;
