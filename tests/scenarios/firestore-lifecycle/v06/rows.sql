INSERT INTO users (id, display_name, email) VALUES ('u-v06', 'User v06', 'v06@example.com');
INSERT INTO restaurants (id, name, cuisine, city, price_level) VALUES ('r-v06', 'Place v06', 'french', 'Paris', '03');
INSERT INTO restaurant_reviews (id, restaurant_id, author_id, rating) VALUES ('rv-v06', 'r-v06', 'u-v06', 3);
INSERT INTO checkins (id, user_id, at) VALUES ('c-v06', 'u-v06', now());
INSERT INTO promotions (id, title) VALUES ('p-v06', 'Promo v06');
