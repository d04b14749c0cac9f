-- Checkout Sessions are deleted 30 days after creation (reference §4.2, §5.5): sessions that
-- left Open before this rule now carry that deletion as their timer, so the sweep finds them.
update objects set due_at = created_at + 2592000000
 where kind = 'CheckoutSession' and due_at is null;
