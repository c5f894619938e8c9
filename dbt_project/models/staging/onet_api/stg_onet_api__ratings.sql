{#- The O*NET Web Services store's rating rows, one per occupation, domain, element and scale. -#}
{{ stage_api_ratings() }}
