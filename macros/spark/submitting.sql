{#- Spark versions of macros/portable_submitting.sql and of the macros only
    the submitting, feedback, collaborating and users models use
    (free-text scrubbing, URL decoding, form splitting, statistics). -#}

{% macro spark__type_ip() %}string{% endmacro %}

{% macro spark__value_at_max(value_expr, order_expr) -%}
    max_by({{ value_expr }}, {{ order_expr }})
{%- endmacro %}

{#- A LATERAL VIEW (a generator), not a lateral subquery: Spark refuses a
    correlated subquery over a relation holding VARIANT columns. -#}
{% macro spark__lateral_rows(set_expr, alias, columns) -%}
    lateral view {{ set_expr }} {{ alias }} as {{ columns | join(', ') }}
{%- endmacro %}

{% macro spark__lateral_json_record(json_expr, alias, keys) -%}
    lateral view inline(array(struct(
        {%- for key in keys %}
        case
            when not is_variant_null(variant_get({{ json_expr }}, '$[\'{{ key }}\']'))
                then variant_get({{ json_expr }}, '$[\'{{ key }}\']')
        end as `{{ key }}`{{ ',' if not loop.last }}
        {%- endfor %}
    ))) {{ alias }} as
    {%- for key in keys %} `{{ key }}`{{ ',' if not loop.last }}{% endfor %}
{%- endmacro %}

{#- Spark has no statistics a later model would need refreshed. -#}
{% macro spark__refresh_statistics(relation) %}{% endmacro %}

{#- One row per piece, numbered from 1 (as Postgres' with ordinality). -#}
{% macro spark__split_to_rows(text_expr, delimiter) -%}
    inline(transform(
        split({{ text_expr }}, '[{{ delimiter }}]', -1),
        (piece, piece_index) -> struct(piece, piece_index + 1)
    ))
{%- endmacro %}

{#- The same tokens as the Postgres version (regexp_extract_all keeps the
    matches in order); escape runs are decoded with unhex + decode. -#}
{% macro spark__url_decode(text_expr) -%}
    (case
        when {{ text_expr }} is null then null
        when instr({{ text_expr }}, '%') = 0
            then replace({{ text_expr }}, '+', ' ')
        else array_join(transform(
            regexp_extract_all(
                replace({{ text_expr }}, '+', ' '),
                {{ moocdb.url_decode_token_pattern() }},
                0
            ),
            url_token -> case
                when length(url_token) > 1 and left(url_token, 1) = '%'
                    then decode(unhex(replace(url_token, '%', '')), 'UTF-8')
                else url_token
            end
        ), '')
    end)
{%- endmacro %}
