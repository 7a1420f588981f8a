/*
 * normalise.h — values each sender writes its own way, read into the one form
 * rules compare: a country as its ISO 3166-1 alpha-2 code, a company's size
 * as a number of employees.
 */
#ifndef LEADROUTE_NORMALISE_H
#define LEADROUTE_NORMALISE_H

#include <stddef.h>
#include <stdint.h>

/* The largest employee count a lead may carry. */
#define NORMALISE_EMPLOYEES_MAX	100000000

/* Room for a country's key: longer text is no country. */
#define NORMALISE_KEY_MAX	256

/* One ISO 3166-1 country. */
struct normalise_country {
	char		 code[3];	/* alpha-2, upper case */
	char		 alpha3[4];	/* alpha-3, upper case */
	const char	*name;		/* English short name, as ISO 3166-1 gives it */
};

/* Another way to write a country: its key (see normalise_country_key) and code. */
struct normalise_alias {
	const char	*key;
	char		 code[3];
};

/* Every ISO 3166-1 country (249), sorted by code; *n is set to the count. */
const struct normalise_country *normalise_countries(size_t *n);

/*
 * Every name a country is known by besides its codes (ISO names, common
 * English names and abbreviations, local names, the names in other large
 * markets' languages), as keys, sorted bytewise; *n is set to the count.
 */
const struct normalise_alias *normalise_aliases(size_t *n);

/*
 * The key countries are compared by: letters folded to lower case (Latin
 * ones without their accents: "Österreich" → "osterreich", ß → ss, æ → ae;
 * Greek and Cyrillic lower-cased; full-width forms as ASCII), dots dropped
 * ("U.S.A." → "usa"), & read as "and", every other punctuation and white
 * space a single space between words, the word "the" dropped and "st"
 * before another word read as "saint". Writes at most size bytes with the NUL; 0, or -1 when the key
 * does not fit (no country is that long).
 */
int normalise_country_key(const char *text, char *key, size_t size);

/*
 * The alpha-2 code of a country as a sender wrote it — an alpha-2 or alpha-3
 * code in any case, or any name normalise_aliases() knows, compared by key —
 * or NULL when it is none of them. The code is static.
 */
const char *normalise_country(const char *text);

/* What normalise_employees made of a text. */
enum normalise_count {
	NORMALISE_COUNT_OK,		/* *out holds the count or range */
	NORMALISE_COUNT_UNKNOWN,	/* not a number or a range of numbers */
	NORMALISE_COUNT_TOO_LARGE,	/* its lower bound is over NORMALISE_EMPLOYEES_MAX */
};

/* A number of employees as a range: lo ≤ count ≤ hi. */
struct normalise_range {
	int64_t		 lo;
	int64_t		 hi;		/* -1: no upper bound ("1,000+") */
};

/*
 * A company's size as senders write it: a number ("250", "1,000", "1.000",
 * "1 000", "10k", "1.5k", "2M"), a range ("200-500", "200 – 500", "200 to
 * 500", "between 200 and 500"), an open range ("1,000+", "5000 or more",
 * ">500", "at least 50", "<10", "up to 10"), each with an optional noun
 * ("51-200 employees") or "about". A single number is a range of one. An
 * upper bound alone starts at 1 (a company has someone), or 0 when it
 * allows no one ("<1"); "more than n" starts at n + 1.
 */
enum normalise_count normalise_employees(const char *text, struct normalise_range *out);

/* Room for a company's key and its NUL: longer names are cut. */
#define NORMALISE_COMPANY_KEY_MAX	65

/*
 * The key the leads search finds a company by (prefix match): ASCII letters
 * in lower case, each run of white space and control characters one space,
 * none at either end; other bytes (UTF-8 letters included) as they are; cut
 * to at most NORMALISE_COMPANY_KEY_MAX - 1 bytes at a character's start.
 * "  ACME\tInc. " → "acme inc.". Empty when the name is blank.
 */
void normalise_company_key(const char *name, char key[NORMALISE_COMPANY_KEY_MAX]);

#endif
