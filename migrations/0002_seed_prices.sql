-- Seed on-demand prices (docs/costs.md). Prices are data: a later migration or an operator deactivates a
-- row (is_active = false) and inserts the new one; the partial unique index keeps one active price.
-- depends: 0001_schema

WITH regions(region) AS (
    VALUES ('us-east-1'), ('us-west-2'), ('eu-west-1'), ('eu-central-1'), ('eu-south-1')
)
INSERT INTO aws_pricing (service, region, tier, price_per_unit, unit, effective_date, source)
SELECT 'sqs', r.region, p.tier, p.price, 'per_million_requests', DATE '2026-01-01',
       'https://aws.amazon.com/sqs/pricing/ (on-demand, after the free tier)'
FROM regions r
CROSS JOIN (VALUES ('standard', 0.40), ('fifo', 0.50)) AS p(tier, price);

INSERT INTO aws_pricing (service, region, tier, price_per_unit, unit, effective_date, source)
SELECT 'lambda', p.region, p.tier, p.price, p.unit, DATE '2026-01-01',
       'https://aws.amazon.com/lambda/pricing/ (on-demand, first duration tier)'
FROM (VALUES
    ('us-east-1',    'requests',         0.20,         'per_million_requests'),
    ('us-east-1',    'gb_second_x86_64', 0.0000166667, 'per_gb_second'),
    ('us-east-1',    'gb_second_arm64',  0.0000133334, 'per_gb_second'),
    ('us-west-2',    'requests',         0.20,         'per_million_requests'),
    ('us-west-2',    'gb_second_x86_64', 0.0000166667, 'per_gb_second'),
    ('us-west-2',    'gb_second_arm64',  0.0000133334, 'per_gb_second'),
    ('eu-west-1',    'requests',         0.20,         'per_million_requests'),
    ('eu-west-1',    'gb_second_x86_64', 0.0000166667, 'per_gb_second'),
    ('eu-west-1',    'gb_second_arm64',  0.0000133334, 'per_gb_second'),
    ('eu-central-1', 'requests',         0.20,         'per_million_requests'),
    ('eu-central-1', 'gb_second_x86_64', 0.0000166667, 'per_gb_second'),
    ('eu-central-1', 'gb_second_arm64',  0.0000133334, 'per_gb_second'),
    ('eu-south-1',   'requests',         0.23,         'per_million_requests'),
    ('eu-south-1',   'gb_second_x86_64', 0.0000195172, 'per_gb_second'),
    ('eu-south-1',   'gb_second_arm64',  0.0000156138, 'per_gb_second')
) AS p(region, tier, price, unit);

WITH regions(region) AS (
    VALUES ('us-east-1'), ('us-west-2'), ('eu-west-1'), ('eu-central-1'), ('eu-south-1')
),
models(model, input_price, output_price) AS (
    VALUES ('claude_3_haiku',    0.00025,  0.00125),
           ('claude_3_sonnet',   0.003,    0.015),
           ('claude_3_5_sonnet', 0.003,    0.015),
           ('claude_3_5_haiku',  0.0008,   0.004),
           ('claude_3_7_sonnet', 0.003,    0.015),
           ('claude_sonnet_4',   0.003,    0.015),
           ('nova_micro',        0.000035, 0.00014),
           ('nova_lite',         0.00006,  0.00024),
           ('nova_pro',          0.0008,   0.0032),
           ('llama3_8b',         0.0003,   0.0006),
           ('llama3_70b',        0.00265,  0.0035)
)
INSERT INTO aws_pricing (service, region, tier, price_per_unit, unit, effective_date, source)
SELECT 'bedrock', r.region, m.model || ':' || d.direction,
       CASE d.direction WHEN 'input' THEN m.input_price ELSE m.output_price END,
       'per_1k_tokens', DATE '2026-01-01',
       'https://aws.amazon.com/bedrock/pricing/ (on-demand, us-east-1 list price applied to this region)'
FROM regions r CROSS JOIN models m CROSS JOIN (VALUES ('input'), ('output')) AS d(direction);
