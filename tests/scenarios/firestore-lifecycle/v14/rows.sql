INSERT INTO users (id, display_name, email) VALUES ('u-v14', 'User v14', 'v14@example.com');
INSERT INTO restaurants (id, name, cuisine, city) VALUES ('r-v14', 'Place v14', 'italian', 'Roma');
INSERT INTO restaurant_reviews (id, restaurant_id, author_id, rating) VALUES ('rv-v14', 'r-v14', 'u-v14', 3);
INSERT INTO checkins (id, user_id, at) VALUES ('c-v14', 'u-v14', now());
