INSERT INTO users (id, name, email) VALUES ('u-v15', 'User v15', 'v15@example.com');
INSERT INTO restaurants (id, name, cuisine, city) VALUES ('r-v15', 'Place v15', 'french', 'Lyon');
INSERT INTO restaurant_reviews (id, restaurant_id, author_id, rating, text) VALUES ('rv-v15', 'r-v15', 'u-v15', 5, 'Très bon');
INSERT INTO visits (id, user_id, at) VALUES ('c-v15', 'u-v15', now());
