INSERT INTO users (id, display_name, email) VALUES ('u-v13', 'User v13', 'v13@example.com');
INSERT INTO restaurants (id, name, cuisine, city) VALUES ('r-v13', 'Place v13', 'italian', 'Roma');
INSERT INTO restaurant_reviews (id, restaurant_id, author_id, rating) VALUES ('rv-v13', 'r-v13', 'u-v13', 3);
INSERT INTO checkins (id, user_id, at) VALUES ('c-v13', 'u-v13', now());
