-- name: quality/score_posts
-- Score the posts of quality_affected (their sentences in quality_affected_sentences): template share, reading-time estimate, the five sub-scores, computed quality (weighted mean) and the findings in words with their codes, into quality_scores.
-- Sub-scores (each 0-100, README "Quality signals"; every point lost has a finding):
--   readability: 100 - (50 - Flesch reading ease, 0..50) - (% of sentences over 20 words - 20, 0..50); 0 without a sentence (finding no_sentences)
--   structure:   100 - 50 no prose paragraph - 25 a single paragraph - 25 no heading in 250+ words - 25 a paragraph over 150 words
--   originality: 100 x (1 - template_share); 0 without a sentence (finding no_sentences)
--   consistency: 100 - 30 reading time off - 30 paragraph claim off - 10 per checklist item missing or extra (at most 40)
--   substance:   100 x word_count / substance_words, at most 100 (finding thin below thin_words, else short while it is under 100)
INSERT INTO quality_scores BY NAME
WITH hits AS (
    SELECT u.revision_id,
           count(*) FILTER (WHERE c.posts > $template_min_posts)::INTEGER AS template_sentences
    FROM quality_affected_sentences AS u
    LEFT JOIN template_sentence_counts AS c ON c.sentence_hash = u.sentence_hash
    GROUP BY u.revision_id
), measured AS (
    SELECT a.post_id, a.revision_id, s.*  EXCLUDE (revision_id, sentence_hashes, distinct_sentences),
           r.reading_time, r.paragraphs AS paragraphs_claimed,
           coalesce(h.template_sentences, 0) AS template_sentences,
           CASE WHEN s.sentence_count > 0 THEN coalesce(h.template_sentences, 0) / s.sentence_count END AS template_share,
           greatest(1, ceil(s.word_count / $words_per_minute))::INTEGER AS estimated_reading_minutes
    FROM quality_affected AS a
    JOIN quality_signals AS s ON s.revision_id = a.revision_id
    JOIN post_revisions AS r ON r.revision_id = a.revision_id
    LEFT JOIN hits AS h ON h.revision_id = a.revision_id
), losses AS (
    SELECT *,
           reading_time - estimated_reading_minutes AS reading_time_gap,
           -- readability
           CASE WHEN sentence_count > 0 THEN least(50, greatest(0, 50 - flesch_reading_ease)) ELSE 0 END AS ease_loss,
           CASE WHEN sentence_count > 0 THEN least(50, greatest(0, round(100 * long_sentence_share) - 20)) ELSE 0 END AS long_loss,
           -- structure
           CASE WHEN paragraph_count = 0 THEN 50 WHEN paragraph_count = 1 THEN 25 ELSE 0 END AS paragraph_loss,
           CASE WHEN heading_count = 0 AND word_count >= 250 THEN 25 ELSE 0 END AS heading_loss,
           CASE WHEN longest_paragraph_words > 150 THEN 25 ELSE 0 END AS wall_loss,
           -- consistency
           CASE WHEN abs(reading_time - estimated_reading_minutes) > $reading_time_tolerance THEN 30 ELSE 0 END AS reading_time_loss,
           CASE WHEN abs(paragraphs_claimed - paragraph_count) > $paragraph_tolerance THEN 30 ELSE 0 END AS paragraph_claim_loss,
           least(40, 10 * (coalesce(len(checklist_missing), 0) + coalesce(len(checklist_extra), 0))) AS checklist_loss
    FROM measured
), scored AS (
    SELECT *,
           CASE WHEN sentence_count > 0 THEN greatest(0, round(100 - ease_loss - long_loss)) ELSE 0 END::INTEGER AS score_readability,
           greatest(0, 100 - paragraph_loss - heading_loss - wall_loss)::INTEGER AS score_structure,
           CASE WHEN sentence_count > 0 THEN round(100 * (1 - template_share)) ELSE 0 END::INTEGER AS score_originality,
           greatest(0, 100 - reading_time_loss - paragraph_claim_loss - checklist_loss)::INTEGER AS score_consistency,
           least(100, round(100 * word_count / $substance_words))::INTEGER AS score_substance
    FROM losses
), found AS (
    -- each finding as (code, words); codes group the findings for counting, words explain them
    SELECT *,
           list_filter([
              CASE WHEN template_sentences > 0 THEN {'code': 'template_text', 'words':
                  greatest(1, round(100 * template_share))::INTEGER || '% of sentences are template text (each in ≥ '
                  || $template_min_posts || ' other posts)'} END,
              CASE WHEN reading_time_loss > 0 THEN {'code': 'reading_time', 'words':
                  'reading time says ' || reading_time || ' min, the text reads in ' || estimated_reading_minutes} END,
              CASE WHEN paragraph_claim_loss > 0 THEN {'code': 'paragraph_claim', 'words':
                  'payload claims ' || paragraphs_claimed || ' paragraphs, the article has ' || paragraph_count} END
          ], lambda f: f IS NOT NULL)
          || list_transform(coalesce(checklist_missing, []), lambda i: {'code': 'checklist_missing', 'words':
                  'checklist item "' || i || '" is not in the article'})
          || list_transform(coalesce(checklist_extra, []), lambda i: {'code': 'checklist_extra', 'words':
                  'article checklist item "' || i || '" is not in the meta checklist'})
          || list_filter([
              CASE WHEN word_count < $thin_words THEN {'code': 'thin', 'words': 'thin: ' || word_count || ' words'}
                   WHEN score_substance < 100 THEN {'code': 'short', 'words':
                  'short: ' || word_count || ' words (substance counts up to ' || $substance_words || ')'} END,
              CASE WHEN paragraph_count = 0 THEN {'code': 'no_paragraphs', 'words': 'no prose paragraphs'}
                   WHEN paragraph_count = 1 THEN {'code': 'single_paragraph', 'words': 'a single prose paragraph'} END,
              CASE WHEN sentence_count = 0 THEN {'code': 'no_sentences', 'words': 'no prose sentences'} END,
              CASE WHEN heading_loss > 0 THEN {'code': 'no_headings', 'words':
                  'no section headings in ' || word_count || ' words'} END,
              CASE WHEN wall_loss > 0 THEN {'code': 'long_paragraph', 'words':
                  'a paragraph of ' || longest_paragraph_words || ' words'} END,
              CASE WHEN ease_loss > 0 THEN {'code': 'hard_to_read', 'words':
                  'hard to read: Flesch reading ease ' || round(flesch_reading_ease)::INTEGER || ' (below 50)'} END,
              CASE WHEN long_loss > 0 THEN {'code': 'long_sentences', 'words':
                  round(100 * long_sentence_share)::INTEGER || '% of sentences are over 20 words'} END
          ], lambda f: f IS NOT NULL) AS found
    FROM scored
)
SELECT post_id, revision_id, template_sentences, template_share, estimated_reading_minutes, reading_time_gap,
       score_readability, score_structure, score_originality, score_consistency, score_substance,
       round((  $w_readability * score_readability + $w_structure * score_structure
              + $w_originality * score_originality + $w_consistency * score_consistency
              + $w_substance * score_substance)
             / ($w_readability + $w_structure + $w_originality + $w_consistency + $w_substance))::INTEGER
           AS computed_quality,
       list_transform(found, lambda f: f.words) AS findings,
       list_transform(found, lambda f: f.code) AS finding_codes
FROM found
