-- A review by a user who does not exist: validating the new foreign key, after the main block, fails.
INSERT INTO restaurant_reviews (id, restaurant_id, author_id, rating) VALUES ('rv-ghost', 'r-luigi', 'u-ghost', 1);
