-- Every author gets a handle before it becomes required and unique.
UPDATE authors SET handle = 'author-' || id WHERE handle IS NULL;
