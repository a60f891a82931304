{#- Spark versions of the JSON macros (macros/json.sql, json_sets.sql,
    json_text_sets.sql). A JSON value is a VARIANT (Spark >= 4.0): typed like
    Postgres' jsonb, so json_type and json_get keep the difference between
    the string "1" and the number 1 that get_json_object would lose.
    Keys are addressed with bracket paths ($['k']) so `$date` works. -#}

{#- Every key as an object key (spark__json_get tries a digit key as an
    array index first). -#}
{% macro spark_json_path(keys) -%}
    '${% for key in keys %}[\'{{ key }}\']{% endfor %}'
{%- endmacro %}

{#- try_: Spark may evaluate the argument of a SQL function (variant_text)
    before the CASE branch that guards it with is_valid_json; on Postgres an
    invalid text would fail the build, so NULL changes no result. -#}
{% macro spark__parse_json(text_expr) -%}
    try_parse_json({{ text_expr }})
{%- endmacro %}

{% macro spark__is_valid_json(text_expr) -%}
    (try_parse_json({{ text_expr }}) is not null)
{%- endmacro %}

{#- A key made of digits is an array index too (Postgres' #> reads '0' as
    the first element of an array, or as the key "0" of an object). -#}
{% macro spark__json_get(json_expr, keys) -%}
    {%- set ns = namespace(indexed=false, path='$') -%}
    {%- for key in keys -%}
        {%- if (key | string).isdigit() -%}
            {%- set ns.indexed = true -%}
            {%- set ns.path = ns.path ~ '[' ~ key ~ ']' -%}
        {%- else -%}
            {%- set ns.path = ns.path ~ "[\\'" ~ key ~ "\\']" -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if ns.indexed -%}
    coalesce(
        variant_get({{ json_expr }}, '{{ ns.path }}'),
        variant_get({{ json_expr }}, {{ moocdb.spark_json_path(keys) }})
    )
    {%- else -%}
    variant_get({{ json_expr }}, {{ moocdb.spark_json_path(keys) }})
    {%- endif -%}
{%- endmacro %}

{#- A variant cast to string: strings unquoted, objects/arrays as JSON
    laid out as Postgres prints jsonb (spark_jsonb_text), JSON null as SQL
    NULL (as Postgres' #>>). A call of the SQL function variant_text that
    the on-run-start hook create_engine_functions defines (macros/spark/
    functions.sql): written inline, the layout expression (~4 KB, json_expr
    repeated in it) made each view's SQL outgrow what the metastore stores
    for a view (32 700 characters) and slow to analyze. -#}
{% macro spark_variant_text(json_expr) -%}
    {{ moocdb.spark_functions_schema() }}.variant_text({{ json_expr }})
{%- endmacro %}

{#- The expression variant_text returns, for its argument `value`. -#}
{% macro spark_variant_text_body(value) -%}
    case
        when not is_variant_null({{ value }})
            then case
                when schema_of_variant({{ value }}) = 'STRING'
                    then cast({{ value }} as string)
                else {{ moocdb.spark_jsonb_text(value) }}
            end
    end
{%- endmacro %}

{#- A variant's JSON text as Postgres prints a jsonb value: `, ` between
    items, `: ` after keys, object keys shorter first then in byte order
    (jsonb's storage order), so texts built from JSON (list answers, the
    drag-and-drop answer) are equal on both engines. Two levels are laid
    out so; deeper values are printed compactly. -#}
{% macro spark_jsonb_text(json_expr, depth=2) -%}
    {%- set item = 'item_' ~ depth -%}
    {%- set entry = 'entry_' ~ depth -%}
    {%- if depth == 0 -%}
    to_json({{ json_expr }})
    {%- else -%}
    (case
        when schema_of_variant({{ json_expr }}) like 'ARRAY%'
            then concat('[', array_join(transform(
                try_variant_get({{ json_expr }}, '$', 'array<variant>'),
                {{ item }} -> {{ moocdb.spark_jsonb_text(item, depth - 1) }}
            ), ', '), ']')
        when schema_of_variant({{ json_expr }}) like 'OBJECT%'
            then concat('{', array_join(transform(
                array_sort(
                    map_entries(try_variant_get(
                        {{ json_expr }}, '$', 'map<string, variant>'
                    )),
                    (a, b) -> case
                        when octet_length(a.key) < octet_length(b.key) then -1
                        when octet_length(a.key) > octet_length(b.key) then 1
                        when a.key < b.key then -1
                        when a.key > b.key then 1
                        else 0
                    end
                ),
                {{ entry }} -> concat(
                    to_json(cast({{ entry }}.key as variant)), ': ',
                    {{ moocdb.spark_jsonb_text(entry ~ '.value', depth - 1) }}
                )
            ), ', '), '}')
        else to_json({{ json_expr }})
    end)
    {%- endif -%}
{%- endmacro %}

{% macro spark__json_get_text(json_expr, keys) -%}
    {{ moocdb.spark_variant_text(moocdb.spark__json_get(json_expr, keys)) }}
{%- endmacro %}

{% macro spark__json_type(json_expr) -%}
    (case
        when {{ json_expr }} is null then null
        when is_variant_null({{ json_expr }}) then 'null'
        else case regexp_extract(schema_of_variant({{ json_expr }}), '^[A-Z]+', 0)
            when 'OBJECT' then 'object'
            when 'ARRAY' then 'array'
            when 'STRING' then 'string'
            when 'BOOLEAN' then 'boolean'
            else 'number'
        end
    end)
{%- endmacro %}

{% macro spark__json_as_text(json_expr) -%}
    {{ moocdb.spark_variant_text(json_expr) }}
{%- endmacro %}

{% macro spark__json_from_text(text_expr) -%}
    cast({{ text_expr }} as variant)
{%- endmacro %}

{#- Spark has no planner fence to ask for (and needs none: it evaluates a
    projected expression once per row). -#}
{% macro spark__optimization_fence() %}{% endmacro %}

{% macro spark__json_object_entries(json_expr) -%}
    explode(try_variant_get({{ json_expr }}, '$', 'map<string, variant>'))
{%- endmacro %}

{#- Values as text the way Postgres' jsonb_each_text and
    jsonb_array_elements_text give them (spark_variant_text's expression,
    inline: Spark refuses a SQL function inside a generator). -#}
{% macro spark__json_object_text_entries(json_expr) -%}
    explode(transform_values(
        try_variant_get({{ json_expr }}, '$', 'map<string, variant>'),
        (entry_key, entry_value) -> {{ moocdb.spark_variant_text_body('entry_value') }}
    ))
{%- endmacro %}

{% macro spark__json_array_text_items(json_expr) -%}
    explode(transform(
        try_variant_get({{ json_expr }}, '$', 'array<variant>'),
        array_item -> {{ moocdb.spark_variant_text_body('array_item') }}
    ))
{%- endmacro %}

{% macro spark__json_number(json_expr) -%}
    (case
        when {{ moocdb.spark__json_type(json_expr) }} = 'number'
            then cast({{ json_expr }} as double)
        when {{ moocdb.spark__json_type(json_expr) }} = 'string'
            and cast({{ json_expr }} as string)
            rlike '^\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*$'
            then cast(trim(cast({{ json_expr }} as string)) as double)
    end)
{%- endmacro %}

{% macro spark__json_pick(json_expr, keys) -%}
    (case
        when {{ moocdb.spark__json_type(json_expr) }} = 'object'
            then parse_json(to_json(map_filter(map(
                {%- for key in keys %}
                '{{ key }}', variant_get({{ json_expr }}, '$[\'{{ key }}\']')
                {{- ',' if not loop.last }}
                {%- endfor %}
            ), (k, v) -> v is not null and not is_variant_null(v))))
    end)
{%- endmacro %}

{% macro spark__json_array_agg(value_expr, order_expr) -%}
    parse_json(to_json(transform(
        array_sort(
            collect_list(struct({{ order_expr }} as o, {{ value_expr }} as v)),
            (a, b) -> case when a.o < b.o then -1 when a.o > b.o then 1 else 0 end
        ),
        x -> x.v
    )))
{%- endmacro %}
