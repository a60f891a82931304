{#- URL (percent) decoding, behind adapter.dispatch. -#}

{#- url_decode(text_expr): an `application/x-www-form-urlencoded` component
    decoded to text: `+` becomes a space, then every run of `%XX` escapes
    that forms well-formed UTF-8 is decoded (multibyte characters such as
    `%C3%A9` -> é, `%F0%9F%98%80` -> 😀). Escapes that are not well-formed
    UTF-8 (`%C3` alone, overlong `%C0%80`, surrogates, `%00`) and stray `%`
    are kept as written, so decoding never fails and never loses a byte.
    NULL stays NULL; an empty string stays empty. -#}
{% macro url_decode(text_expr) %}
    {{ return(adapter.dispatch('url_decode', 'moocdb')(text_expr)) }}
{% endmacro %}

{#- url_decode_token_pattern(): the regex (a SQL string expression) both
    engines cut a component with: group 1 a run of `%XX` escapes forming
    well-formed UTF-8 (RFC 3629 table 3-7), group 2 a run of other
    characters or a lone `%`. Postgres and Java read it alike. -#}
{% macro url_decode_token_pattern() -%}
    '((?:'
    || '%[0-7][1-9A-Fa-f]|%[1-7]0'
    || '|%[Cc][2-9A-Fa-f]%[89ABab][0-9A-Fa-f]'
    || '|%[Dd][0-9A-Fa-f]%[89ABab][0-9A-Fa-f]'
    || '|%[Ee]0%[ABab][0-9A-Fa-f]%[89ABab][0-9A-Fa-f]'
    || '|%[Ee][1-9A-Ca-cEFef]%[89ABab][0-9A-Fa-f]%[89ABab][0-9A-Fa-f]'
    || '|%[Ee][Dd]%[89][0-9A-Fa-f]%[89ABab][0-9A-Fa-f]'
    || '|%[Ff]0%[9ABab][0-9A-Fa-f](?:%[89ABab][0-9A-Fa-f]){2}'
    || '|%[Ff][1-3](?:%[89ABab][0-9A-Fa-f]){3}'
    || '|%[Ff]4%8[0-9A-Fa-f](?:%[89ABab][0-9A-Fa-f]){2}'
    || ')+)|([^%]+|%)'
{%- endmacro %}

{#- Postgres: the text is cut into runs of decodable escapes, runs of other
    characters and lone `%` (regexp_matches with ordinality keeps their
    order); each escape run is turned into bytes (decode hex) and read as
    UTF-8 (convert_from), which cannot fail as the pattern admits only
    well-formed sequences (RFC 3629 table 3-7). -#}
{% macro default__url_decode(text_expr) -%}
    (case
        when {{ text_expr }} is null then null
        when strpos({{ text_expr }}, '%') = 0
            then replace({{ text_expr }}, '+', ' ')
        -- fast path: the `[]` of checkbox keys is the only escape
        when {{ text_expr }} !~ '%(?![5][BbDd])'
            then replace(replace(replace(replace(replace(
                {{ text_expr }}, '+', ' '),
                '%5B', '['), '%5b', '['), '%5D', ']'), '%5d', ']')
        else coalesce((
            select string_agg(
                case
                    when url_token.parts[1] is not null
                        then convert_from(
                            decode(replace(url_token.parts[1], '%', ''), 'hex'),
                            'UTF8'
                        )
                    else url_token.parts[2]
                end,
                ''
                order by url_token.token_number
            )
            from regexp_matches(
                replace({{ text_expr }}, '+', ' '),
                {{ moocdb.url_decode_token_pattern() }},
                'g'
            ) with ordinality as url_token (parts, token_number)
        ), '')
    end)
{%- endmacro %}

{#- split_to_rows(text_expr, delimiter): a set-returning expression with
    one row per piece of the text cut at a literal one-character delimiter,
    columns (piece text, piece_number bigint, from 1). NULL gives no rows.
    Use as `cross join lateral {{ split_to_rows('t', '&') }} as s (p, n)`. -#}
{% macro split_to_rows(text_expr, delimiter) %}
    {{ return(adapter.dispatch('split_to_rows', 'moocdb')(text_expr, delimiter)) }}
{% endmacro %}
{% macro default__split_to_rows(text_expr, delimiter) -%}
    unnest(string_to_array({{ text_expr }}, '{{ delimiter }}'))
        with ordinality
{%- endmacro %}
