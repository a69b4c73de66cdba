INSERT INTO users (id, display_name, email) VALUES ('u-v04', 'User v04', 'v04@example.com');
INSERT INTO restaurants (id, name, cuisine, city, price_level) VALUES ('r-v04', 'Place v04', 'diner', 'Paris', '03');
INSERT INTO restaurant_reviews (id, restaurant_id, author_id, rating) VALUES ('rv-v04', 'r-v04', 'u-v04', 3);
INSERT INTO checkins (id, user_id, at) VALUES ('c-v04', 'u-v04', now());
INSERT INTO promotions (id, title) VALUES ('p-v04', 'Promo v04');
