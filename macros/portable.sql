{#- Portable helpers: SQL that Postgres and Spark spell differently, behind
    adapter.dispatch (default__ = Postgres; spark__ versions in
    macros/spark/portable.sql). Everything else in the models is plain SQL
    both engines read the same way. -#}

{#- starts_with(expr, prefix): true when the text expr begins with prefix
    (NULL when either is NULL). -#}
{% macro starts_with(expr, prefix) %}
    {{ return(adapter.dispatch('starts_with', 'moocdb')(expr, prefix)) }}
{% endmacro %}
{% macro default__starts_with(expr, prefix) -%}
    starts_with({{ expr }}, {{ prefix }})
{%- endmacro %}

{#- type_text(): the engine's unbounded text type, for casts
    (`cast(x as {{ type_text() }})`): text on Postgres, string on Spark. -#}
{% macro type_text() %}
    {{- return(adapter.dispatch('type_text', 'moocdb')()) -}}
{% endmacro %}
{% macro default__type_text() %}text{% endmacro %}

{#- type_double(): the 8-byte floating point type, for casts: double
    precision on Postgres, double on Spark. -#}
{% macro type_double() %}
    {{- return(adapter.dispatch('type_double', 'moocdb')()) -}}
{% endmacro %}
{% macro default__type_double() %}double precision{% endmacro %}
