//! A word of a closed vocabulary as a text column holds it.

use diesel::deserialize::{self, Queryable};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Nullable, Text};
use ids::Vocabulary;

/// A vocabulary's word in a text column. Row fields name it in
/// `deserialize_as` and `serialize_as`, so they hold the enum (or an
/// `Option` of it for a nullable column): the word is parsed once, as the
/// row is read, and a word this version does not know makes the row
/// unreadable, never a default.
#[derive(Debug, AsExpression)]
#[diesel(sql_type = Text)]
pub struct WordColumn<T: Vocabulary>(Option<T>);

impl<T: Vocabulary + std::fmt::Debug> ToSql<Text, Pg> for WordColumn<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        match self.0 {
            Some(word) => <str as ToSql<Text, Pg>>::to_sql(word.as_str(), out),
            None => Ok(IsNull::Yes),
        }
    }
}

impl<T: Vocabulary> Queryable<Text, Pg> for WordColumn<T> {
    type Row = String;

    fn build(word: String) -> deserialize::Result<Self> {
        Ok(Self(Some(word.parse()?)))
    }
}

impl<T: Vocabulary> Queryable<Nullable<Text>, Pg> for WordColumn<T> {
    type Row = Option<String>;

    fn build(word: Option<String>) -> deserialize::Result<Self> {
        Ok(Self(word.as_deref().map(str::parse).transpose()?))
    }
}

impl<T: Vocabulary> From<T> for WordColumn<T> {
    fn from(word: T) -> Self {
        Self(Some(word))
    }
}

impl<T: Vocabulary> From<Option<T>> for WordColumn<T> {
    fn from(word: Option<T>) -> Self {
        Self(word)
    }
}

/// A nullable column's word.
impl<T: Vocabulary> From<WordColumn<T>> for Option<T> {
    fn from(column: WordColumn<T>) -> Self {
        column.0
    }
}

/// A NOT NULL column's word, for the vocabularies several services store
/// (those of `ids`; the rules of coherence keep this impl here).
macro_rules! required {
    ($($word:ty),+) => {$(
        impl TryFrom<WordColumn<$word>> for $word {
            type Error = &'static str;

            fn try_from(column: WordColumn<$word>) -> Result<Self, Self::Error> {
                column.0.ok_or("a NOT NULL column read as NULL")
            }
        }
    )+};
}
required!(ids::Rating, ids::TargetGroup);

#[cfg(test)]
mod tests {
    use super::*;
    use ids::Rating;

    fn read(word: Option<&str>) -> deserialize::Result<Option<Rating>> {
        <WordColumn<Rating> as Queryable<Nullable<Text>, Pg>>::build(word.map(str::to_owned))
            .map(Into::into)
    }

    #[test]
    fn a_stored_word_reads_as_itself_and_an_unknown_word_cannot_be_read() {
        for rating in Rating::ALL {
            assert_eq!(read(Some(rating.as_str())).ok(), Some(Some(rating)));
        }
        assert_eq!(read(None).ok(), Some(None));
        assert!(read(Some("E")).is_err());
        assert!(read(Some("")).is_err());
        let required = <WordColumn<Rating> as Queryable<Text, Pg>>::build("a".to_owned());
        assert!(required.is_err());
        let read_back = <WordColumn<Rating> as Queryable<Text, Pg>>::build("B".to_owned())
            .map(Rating::try_from);
        assert_eq!(read_back.ok(), Some(Ok(Rating::B)));
    }
}
