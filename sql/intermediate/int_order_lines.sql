/*
description: >
  Staged order lines of staged orders (SPEC §1.2) with their category and
  revenue in the base currency: quantity × price converted with the
  order's rate. A line's category is its own when not empty, else the first
  categoryRules entry whose regex is found in product (case-insensitive,
  RE2), else (other). Lines of orders that are not staged stay in
  stg_order_lines and take no part in the marts.
grain: one row per staged line of a staged order
columns:
  order_id: {description: order of the line, type: VARCHAR, tests: [not_null, {relationships: {to: stg_orders, field: order_id}}]}
  product: {description: product of the line, type: VARCHAR, tests: [not_null]}
  category: {description: the line's category, type: VARCHAR, tests: [not_null]}
  quantity: {description: units bought, type: DOUBLE, tests: [not_null]}
  price: {description: unit price in the order's currency, type: DOUBLE, tests: [not_null]}
  revenue: {description: "quantity × price × the order's fx_rate, in the base currency", type: DOUBLE, tests: [not_null, {range: {min: 0}}]}
  user_id: {description: "buyer of the order (the order's user, not the line's)", type: VARCHAR, tests: [not_null]}
  created_at: {description: time of the order, type: TIMESTAMP, tests: [not_null]}
tests:
  - unique: {columns: [order_id, product]}
*/
with

lines as (
    select * from staging.stg_order_lines
),

orders as (
    select * from staging.stg_orders
),

rules as (
    select
        unnest(
            from_json(getvariable('category_rules'), '[{"match": "VARCHAR", "category": "VARCHAR"}]')
        ) as rule,
        generate_subscripts(
            from_json(getvariable('category_rules'), '[{"match": "VARCHAR", "category": "VARCHAR"}]'),
            1
        ) as rule_index
),

-- §1.2: the first rule (in settings order) whose regex is found in product
matched as (
    select
        lines.order_id,
        lines.product,
        arg_min(rules.rule.category, rules.rule_index) as category
    from lines
    inner join rules
        on regexp_matches(lines.product, rules.rule.match, 'i')
    group by lines.order_id, lines.product
),

final as (
    select
        lines.order_id,
        lines.product,
        coalesce(lines.category, matched.category, '(other)') as category,
        lines.quantity,
        lines.price,
        lines.quantity * lines.price * orders.fx_rate as revenue,
        orders.user_id,
        orders.created_at
    from lines
    inner join orders
        on lines.order_id = orders.order_id
    left join matched
        on lines.order_id = matched.order_id
        and lines.product = matched.product
)

select * from final
