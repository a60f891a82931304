{#- Row-as-JSON comparison, behind adapter.dispatch: used by the end-to-end
    check of the mapping samples (tests/mapping_samples_translate_as_expected). -#}

{#- json_row(relation_alias): the whole row of a relation as a JSON object
    (column name -> value). -#}
{% macro json_row(relation_alias) %}
    {{ return(adapter.dispatch('json_row', 'moocdb')(relation_alias)) }}
{% endmacro %}
{% macro default__json_row(relation_alias) %}to_jsonb({{ relation_alias }}){% endmacro %}

{#- json_contains(container, contained): true when every key/value of the
    JSON object `contained` is in `container` (extra keys allowed). -#}
{% macro json_contains(container, contained) %}
    {{ return(adapter.dispatch('json_contains', 'moocdb')(container, contained)) }}
{% endmacro %}
{% macro default__json_contains(container, contained) -%}
    ({{ container }} @> {{ contained }})
{%- endmacro %}
