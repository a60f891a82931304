{#- Spark versions of macros/portable.sql. -#}

{% macro spark__starts_with(expr, prefix) -%}
    startswith({{ expr }}, {{ prefix }})
{%- endmacro %}

{% macro spark__type_text() %}string{% endmacro %}

{% macro spark__type_double() %}double{% endmacro %}
