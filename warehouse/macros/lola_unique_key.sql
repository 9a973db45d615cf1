{#- The `unique_key` columns of a model's YAML (config.meta.unique_key), for the `unique_key` test. The graph is
    known only once dbt executes; while it parses, a placeholder key keeps the SQL valid. -#}
{% macro lola_unique_key(relation) %}
  {%- if not execute -%}
    {{ return(['1']) }}
  {%- endif -%}
  {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.alias == relation.identifier -%}
    {%- set key = node.config.meta.get('unique_key') -%}
    {%- if not key -%}
      {{ exceptions.raise_compiler_error("model " ~ node.name ~ " has a unique_key test but no config.meta.unique_key") }}
    {%- endif -%}
    {{ return(key) }}
  {%- endfor -%}
  {{ exceptions.raise_compiler_error("unique_key: no model named " ~ relation.identifier) }}
{% endmacro %}
