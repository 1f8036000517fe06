INSERT INTO `wp_users` VALUES (1,'admin','$P$BZlPX7NIx8MYpXokBW2AGsN7i.aUOt0','admin','admin@example.org');
INSERT INTO `users` VALUES (2,'carol','$2y$10$Q9lC2bW8eTqk7uZp1VxYmeQpL3nR5sT7vW9xY1zA3bC5dE7fG9hI2','carol@example.org');
INSERT INTO `orders` VALUES (3,'widget',12,'2024-03-15 14:30:00');
