-- Names and attribute values are folded with the letters that have no accent mark to strip written as their base
-- letter (bot/understanding/text.py, UNMARKED_LETTERS): "Lukasz Wisniewski" typed on an ASCII keyboard finds
-- "Łukasz Wiśniewski", and eligibility that allows "Tromso" matches "Tromsø". Rows folded before this are folded
-- again here with the same table.
UPDATE users SET folded_name = translate(folded_name, 'łøđðħıŀŧ', 'loddhilt')
 WHERE folded_name ~ '[łøđðħıŀŧ]';
UPDATE users SET folded_attributes = (
    SELECT coalesce(jsonb_object_agg(key, translate(value, 'łøđðħıŀŧ', 'loddhilt')), '{}'::jsonb)
      FROM jsonb_each_text(folded_attributes)
) WHERE folded_attributes::text ~ '[łøđðħıŀŧ]';
UPDATE eligibility SET allowed_folded = ARRAY(
    SELECT translate(value, 'łøđðħıŀŧ', 'loddhilt') FROM unnest(allowed_folded) AS value
) WHERE array_to_string(allowed_folded, ' ') ~ '[łøđðħıŀŧ]';
