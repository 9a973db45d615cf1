{#- Where DuckDB and Spark SQL differ, the models call these macros: `default__` is DuckDB's SQL (the warehouse),
    `spark__` the same result on Spark (profiles.yml, target `spark`). Spark's session time zone is the configured
    one (`spark.sql.session.timeZone`), so its timestamps already read as local time. -#}

{#- A TIMESTAMPTZ as the local wall-clock time of `[warehouse] timezone`, for calendar days and weeks. -#}
{% macro lola_local_time(instant) %}{{ return(adapter.dispatch('lola_local_time')(instant)) }}{% endmacro %}
{% macro default__lola_local_time(instant) %}timezone('{{ var("timezone") }}', {{ instant }}){% endmacro %}
{% macro spark__lola_local_time(instant) %}{{ instant }}{% endmacro %}

{#- Microseconds since the epoch, exact (BIGINT). -#}
{% macro lola_epoch_us(instant) %}{{ return(adapter.dispatch('lola_epoch_us')(instant)) }}{% endmacro %}
{% macro default__lola_epoch_us(instant) %}epoch_us({{ instant }}){% endmacro %}
{% macro spark__lola_epoch_us(instant) %}unix_micros({{ instant }}){% endmacro %}

{#- A sum of DOUBLEs that does not depend on the order rows are added in: DuckDB's compensated fsum; Spark has no
    compensated sum, so its plain sum may differ in the last bits. -#}
{% macro lola_float_sum(value) %}{{ return(adapter.dispatch('lola_float_sum')(value)) }}{% endmacro %}
{% macro default__lola_float_sum(value) %}fsum({{ value }}){% endmacro %}
{% macro spark__lola_float_sum(value) %}sum({{ value }}){% endmacro %}

{#- One row per date from `first` to `last` (DATEs, both included), every `days` days: a set-returning select item. -#}
{% macro lola_each_date(first, last, days) %}{{ return(adapter.dispatch('lola_each_date')(first, last, days)) }}{% endmacro %}
{% macro default__lola_each_date(first, last, days) -%}
  CAST(unnest(generate_series({{ first }}, {{ last }}, INTERVAL {{ days }} DAY)) AS DATE)
{%- endmacro %}
{% macro spark__lola_each_date(first, last, days) -%}
  explode(sequence({{ first }}, {{ last }}, INTERVAL {{ days }} DAY))
{%- endmacro %}

{#- A DATE's ISO year, ISO week, ISO day of the week (Monday 1) and `YYYY-MM` month, as dim_date's columns. -#}
{% macro lola_iso_calendar(day) %}{{ return(adapter.dispatch('lola_iso_calendar')(day)) }}{% endmacro %}
{% macro default__lola_iso_calendar(day) -%}
  isoyear({{ day }}) AS iso_year, week({{ day }}) AS iso_week, isodow({{ day }}) AS iso_day_of_week,
  strftime({{ day }}, '%Y-%m') AS {{ adapter.quote('month') }}
{%- endmacro %}
{% macro spark__lola_iso_calendar(day) -%}
  extract(YEAROFWEEK FROM {{ day }}) AS iso_year, weekofyear({{ day }}) AS iso_week,
  extract(DAYOFWEEK_ISO FROM {{ day }}) AS iso_day_of_week, date_format({{ day }}, 'yyyy-MM') AS {{ adapter.quote('month') }}
{%- endmacro %}
