-- Every project gets a slug before the column becomes required.
UPDATE projects SET slug = 'project-' || id WHERE slug IS NULL;
