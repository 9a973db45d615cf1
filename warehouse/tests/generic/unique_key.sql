{#- The model's `unique_key` (config.meta in its YAML) identifies one row: no two rows share it, and no part of it is
    NULL. Read from the model's own YAML, so the key is written once. One failing row per duplicated or NULL key. -#}
{% test unique_key(model) %}
{%- set columns = lola_unique_key(model) -%}
SELECT {{ columns | join(', ') }}, count(*) AS n_rows
FROM {{ model }}
GROUP BY ALL
HAVING count(*) > 1 OR {% for c in columns %}{{ c }} IS NULL{% if not loop.last %} OR {% endif %}{% endfor %}
{% endtest %}
