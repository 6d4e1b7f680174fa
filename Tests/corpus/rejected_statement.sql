PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE orders(customer_id TEXT, order_date TEXT, amount REAL);
INSERT INTO orders VALUES(1,2);
COMMIT;
