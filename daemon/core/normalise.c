/*
 * normalise.c — values each sender writes its own way, read into the one form
 * rules compare.
 *
 * A country becomes its ISO 3166-1 alpha-2 code: the text is folded into a
 * key (case, accents, dots and punctuation gone), a key of two or three
 * letters is looked up among the codes, and any key among the names of
 * normalise_countries.c, by binary search.
 *
 * An employee count becomes a range. The text is read into tokens — numbers
 * (with their thousands separators, decimals and k/M multipliers worked
 * out), signs and words — the words that add nothing ("employees", "about")
 * are dropped, and what is left, written as a shape such as "# - #" or
 * "more than #", must be one of the shapes of count_shapes[].
 */
#include "config.h"

#include <string.h>

#include "leadroute/normalise.h"
#include "leadroute/util.h"

/* U+00C0 … U+017F without their accents, lower case ("" for none, " " for × and ÷). */
static const char latin_fold[][3] = {
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
	"d", "n", "o", "o", "o", "o", "o", " ", "o", "u", "u", "u", "u", "y", "th", "ss",
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
	"d", "n", "o", "o", "o", "o", "o", " ", "o", "u", "u", "u", "u", "y", "th", "y",
	"a", "a", "a", "a", "a", "a", "c", "c", "c", "c", "c", "c", "c", "c", "d", "d",
	"d", "d", "e", "e", "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g",
	"g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i", "i", "i", "i", "i",
	"i", "i", "ij", "ij", "j", "j", "k", "k", "k", "l", "l", "l", "l", "l", "l", "l",
	"l", "l", "l", "n", "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o",
	"o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s", "s", "s", "s", "s",
	"s", "s", "t", "t", "t", "t", "t", "t", "u", "u", "u", "u", "u", "u", "u", "u",
	"u", "u", "u", "u", "w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s",
};

/* Greek letters with an accent or a diaeresis, and the final sigma: their plain lower case. */
static const struct {
	uint16_t	 from;
	uint16_t	 to;
} greek_fold[] = {
	{ 0x386, 0x3b1 }, { 0x388, 0x3b5 }, { 0x389, 0x3b7 }, { 0x38a, 0x3b9 },
	{ 0x38c, 0x3bf }, { 0x38e, 0x3c5 }, { 0x38f, 0x3c9 }, { 0x390, 0x3b9 },
	{ 0x3aa, 0x3b9 }, { 0x3ab, 0x3c5 }, { 0x3ac, 0x3b1 }, { 0x3ad, 0x3b5 },
	{ 0x3ae, 0x3b7 }, { 0x3af, 0x3b9 }, { 0x3b0, 0x3c5 }, { 0x3c2, 0x3c3 },
	{ 0x3ca, 0x3b9 }, { 0x3cb, 0x3c5 }, { 0x3cc, 0x3bf }, { 0x3cd, 0x3c5 },
	{ 0x3ce, 0x3c9 },
};

/* The code point at *p, advancing *p past it; a byte that starts no valid sequence is U+FFFD. */
static uint32_t
utf8_next(const char **p)
{
	const unsigned char *s = (const unsigned char *)*p;
	uint32_t cp, min;
	int n, i;

	if (s[0] < 0x80) {
		*p += 1;
		return s[0];
	}
	if ((s[0] & 0xe0) == 0xc0) {
		cp = s[0] & 0x1f;
		n = 1;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		cp = s[0] & 0x0f;
		n = 2;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		cp = s[0] & 0x07;
		n = 3;
		min = 0x10000;
	} else {
		*p += 1;
		return 0xfffd;
	}
	for (i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*p += 1;
			return 0xfffd;
		}
		cp = cp << 6 | (s[i] & 0x3f);
	}
	*p += n + 1;
	return cp < min || cp > 0x10ffff ? 0xfffd : cp;
}

/* cp as UTF-8 in buf (5 bytes), NUL-terminated. */
static const char *
utf8_put(uint32_t cp, char buf[5])
{
	if (cp < 0x80) {
		buf[0] = (char)cp;
		buf[1] = '\0';
	} else if (cp < 0x800) {
		buf[0] = (char)(0xc0 | cp >> 6);
		buf[1] = (char)(0x80 | (cp & 0x3f));
		buf[2] = '\0';
	} else if (cp < 0x10000) {
		buf[0] = (char)(0xe0 | cp >> 12);
		buf[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		buf[2] = (char)(0x80 | (cp & 0x3f));
		buf[3] = '\0';
	} else {
		buf[0] = (char)(0xf0 | cp >> 18);
		buf[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		buf[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		buf[3] = (char)(0x80 | (cp & 0x3f));
		buf[4] = '\0';
	}
	return buf;
}

/*
 * How one code point reads in a key: its folded text, "" when it is
 * dropped (dots, combining accents, invisible characters) or " " when it
 * separates words (punctuation, spaces, dashes, quotes). buf holds the
 * text of a letter left as it is.
 */
static const char *
key_fold(uint32_t cp, char buf[5])
{
	size_t i;

	if (cp >= 0xff01 && cp <= 0xff5e)	/* full-width ASCII */
		cp -= 0xfee0;
	if (cp < 0x80) {
		if (cp >= 'A' && cp <= 'Z')
			cp += 'a' - 'A';
		if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
			return utf8_put(cp, buf);
		if (cp == '.')
			return "";
		return cp == '&' ? " and " : " ";
	}
	if (cp == 0xad || (cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200d) ||
	    cp == 0x2060 || cp == 0xfeff)
		return "";
	if (cp == 0xa0 || cp == 0xb7 || (cp >= 0x2000 && cp <= 0x200a) ||
	    (cp >= 0x2010 && cp <= 0x2015) || (cp >= 0x2018 && cp <= 0x201f) || cp == 0x2022 ||
	    cp == 0x202f || cp == 0x205f || cp == 0x2212 || cp == 0x3000)
		return " ";
	if (cp >= 0xc0 && cp <= 0x17f)
		return latin_fold[cp - 0xc0];
	if (cp >= 0x386 && cp <= 0x3ce) {
		for (i = 0; i < LR_NELEM(greek_fold); i++)
			if (greek_fold[i].from == cp)
				return utf8_put(greek_fold[i].to, buf);
		if (cp >= 0x391 && cp <= 0x3a9 && cp != 0x3a2)	/* U+03A2 is unassigned */
			cp += 0x20;
	} else if (cp >= 0x410 && cp <= 0x42f) {
		cp += 0x20;
	} else if (cp >= 0x400 && cp <= 0x40f) {
		cp += 0x50;
	}
	return utf8_put(cp, buf);
}

int
normalise_country_key(const char *text, char *key, size_t size)
{
	char folded[NORMALISE_KEY_MAX], buf[5];
	const char *p = text, *w, *end, *word;
	size_t flen = 0, klen = 0, n;

	while (*p != '\0') {
		const char *f = key_fold(utf8_next(&p), buf);

		n = strlen(f);
		if (flen + n >= sizeof(folded))
			return -1;
		memcpy(folded + flen, f, n);
		flen += n;
	}
	folded[flen] = '\0';
	for (w = folded; *w != '\0'; w = end) {
		while (*w == ' ')
			w++;
		if (*w == '\0')
			break;
		if ((end = strchr(w, ' ')) == NULL)
			end = w + strlen(w);
		word = w;
		n = (size_t)(end - w);
		if (n == 3 && memcmp(w, "the", 3) == 0)
			continue;
		if (n == 2 && memcmp(w, "st", 2) == 0 && end[strspn(end, " ")] != '\0') {
			word = "saint";	/* alone, "ST" is a code */
			n = 5;
		}
		if (klen + (klen > 0) + n >= size)
			return -1;
		if (klen > 0)
			key[klen++] = ' ';
		memcpy(key + klen, word, n);
		klen += n;
	}
	if (size == 0)
		return -1;
	key[klen] = '\0';
	return 0;
}

/* The country whose alpha-2 (len 2) or alpha-3 (len 3) code is key, lower case; NULL if none. */
static const char *
country_by_code(const char *key, size_t len)
{
	const struct normalise_country *c;
	char up[4];
	size_t n, i, lo = 0, hi;

	for (i = 0; i < len; i++) {
		if (key[i] < 'a' || key[i] > 'z')
			return NULL;
		up[i] = (char)(key[i] - 'a' + 'A');
	}
	c = normalise_countries(&n);
	if (len == 3) {
		for (i = 0; i < n; i++)
			if (memcmp(c[i].alpha3, up, 3) == 0)
				return c[i].code;
		return NULL;
	}
	for (hi = n; lo < hi; ) {
		size_t mid = (lo + hi) / 2;
		int cmp = memcmp(c[mid].code, up, 2);

		if (cmp == 0)
			return c[mid].code;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *
normalise_country(const char *text)
{
	const struct normalise_alias *a;
	char key[NORMALISE_KEY_MAX];
	const char *code;
	size_t n, lo = 0, hi, len;

	if (normalise_country_key(text, key, sizeof(key)) == -1 || key[0] == '\0')
		return NULL;
	len = strlen(key);
	if ((len == 2 || len == 3) && (code = country_by_code(key, len)) != NULL)
		return code;
	a = normalise_aliases(&n);
	for (hi = n; lo < hi; ) {
		size_t mid = (lo + hi) / 2;
		int cmp = strcmp(a[mid].key, key);

		if (cmp == 0)
			return a[mid].code;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Employee counts ------------------------------------------------------ */

/* Numbers are held up to here; beyond, they are all simply too large. */
#define COUNT_CAP	1000000000000000ULL

/* What a count's shape says of its numbers (a and b, in order). */
enum count_kind {
	COUNT_EXACT,		/* a */
	COUNT_RANGE,		/* a to b */
	COUNT_AT_LEAST,		/* a or more */
	COUNT_MORE_THAN,	/* over a */
	COUNT_AT_MOST,		/* up to a */
	COUNT_LESS_THAN,	/* under a */
};

/* The shapes a count may take, once its words are folded and its noise dropped; # is a number. */
static const struct {
	const char	*shape;
	enum count_kind	 kind;
} count_shapes[] = {
	{ "#", COUNT_EXACT },
	{ "~ #", COUNT_EXACT },		/* "~50": about 50 */
	{ "# - #", COUNT_RANGE },
	{ "# to #", COUNT_RANGE },
	{ "# ~ #", COUNT_RANGE },
	{ "between # and #", COUNT_RANGE },
	{ "from # to #", COUNT_RANGE },
	{ "# bis #", COUNT_RANGE },
	{ "von # bis #", COUNT_RANGE },
	{ "zwischen # und #", COUNT_RANGE },
	{ "# a #", COUNT_RANGE },		/* French "à", Spanish "a" */
	{ "de # a #", COUNT_RANGE },
	{ "entre # et #", COUNT_RANGE },
	{ "entre # y #", COUNT_RANGE },
	{ "# +", COUNT_AT_LEAST },
	{ "# plus", COUNT_AT_LEAST },
	{ "# or more", COUNT_AT_LEAST },
	{ "# and more", COUNT_AT_LEAST },
	{ "# or above", COUNT_AT_LEAST },
	{ "# and above", COUNT_AT_LEAST },
	{ "# and up", COUNT_AT_LEAST },
	{ "# or over", COUNT_AT_LEAST },
	{ "# and over", COUNT_AT_LEAST },
	{ "# or greater", COUNT_AT_LEAST },
	{ "# or higher", COUNT_AT_LEAST },
	{ ">= #", COUNT_AT_LEAST },
	{ "at least #", COUNT_AT_LEAST },
	{ "min #", COUNT_AT_LEAST },
	{ "minimum #", COUNT_AT_LEAST },
	{ "from #", COUNT_AT_LEAST },
	{ "ab #", COUNT_AT_LEAST },
	{ "mindestens #", COUNT_AT_LEAST },
	{ "# und mehr", COUNT_AT_LEAST },
	{ "# oder mehr", COUNT_AT_LEAST },
	{ "# et plus", COUNT_AT_LEAST },
	{ "# ou plus", COUNT_AT_LEAST },
	{ "# o mas", COUNT_AT_LEAST },
	{ "# y mas", COUNT_AT_LEAST },
	{ "> #", COUNT_MORE_THAN },
	{ "over #", COUNT_MORE_THAN },
	{ "more than #", COUNT_MORE_THAN },
	{ "above #", COUNT_MORE_THAN },
	{ "greater than #", COUNT_MORE_THAN },
	{ "uber #", COUNT_MORE_THAN },
	{ "mehr als #", COUNT_MORE_THAN },
	{ "plus de #", COUNT_MORE_THAN },
	{ "mas de #", COUNT_MORE_THAN },
	{ "<= #", COUNT_AT_MOST },
	{ "up to #", COUNT_AT_MOST },
	{ "max #", COUNT_AT_MOST },
	{ "maximum #", COUNT_AT_MOST },
	{ "at most #", COUNT_AT_MOST },
	{ "# or less", COUNT_AT_MOST },
	{ "# or fewer", COUNT_AT_MOST },
	{ "# and under", COUNT_AT_MOST },
	{ "# and below", COUNT_AT_MOST },
	{ "# and less", COUNT_AT_MOST },
	{ "bis #", COUNT_AT_MOST },
	{ "hochstens #", COUNT_AT_MOST },
	{ "jusqu a #", COUNT_AT_MOST },
	{ "hasta #", COUNT_AT_MOST },
	{ "< #", COUNT_LESS_THAN },
	{ "under #", COUNT_LESS_THAN },
	{ "less than #", COUNT_LESS_THAN },
	{ "fewer than #", COUNT_LESS_THAN },
	{ "below #", COUNT_LESS_THAN },
	{ "unter #", COUNT_LESS_THAN },
	{ "weniger als #", COUNT_LESS_THAN },
	{ "moins de #", COUNT_LESS_THAN },
	{ "menos de #", COUNT_LESS_THAN },
};

/* Words that say nothing of the count: what is counted, and "about". */
static const char *const count_noise[] = {
	"employees", "employee", "emp", "emps", "empl", "staff", "people", "persons", "person",
	"ppl", "fte", "ftes", "headcount", "heads", "workers", "mitarbeiter", "mitarbeitende",
	"mitarbeitern", "ma", "beschaftigte", "employes", "salaries", "empleados",
	"trabajadores", "colaboradores", "funcionarios", "dipendenti", "medewerkers",
	"werknemers", "about", "approx", "approximately", "around", "roughly", "some", "ca",
	"circa", "c", "est", "estimated", "etwa", "rund", "ungefahr", "environ", "aprox",
	"aproximadamente", "cerca",
};

/* A number's multiplier words and what they multiply by. */
static const struct {
	const char	*word;
	uint64_t	 by;
} count_multipliers[] = {
	{ "k", 1000 }, { "thousand", 1000 }, { "thousands", 1000 }, { "tsd", 1000 },
	{ "m", 1000000 }, { "mm", 1000000 }, { "mn", 1000000 }, { "mio", 1000000 },
	{ "million", 1000000 }, { "millions", 1000000 },
};

/* The tokens read so far: the shape ("# - #") and its numbers. */
struct count_tokens {
	char		 shape[64];
	size_t		 len;
	uint64_t	 num[2];
	int		 nnum;
};

/* The code point at p, full-width forms as ASCII ("１０" is "10"); *next is past it. */
static uint32_t
count_cp(const char *p, const char **next)
{
	uint32_t cp;

	*next = p;
	cp = utf8_next(next);
	if (cp >= 0xff01 && cp <= 0xff5e)
		cp -= 0xfee0;
	return cp;
}

static int
count_digit(uint32_t cp)
{
	return cp >= '0' && cp <= '9';
}

/* White space within a count; these also separate a number's thousands ("10 000"). */
static int
count_space(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == 0xa0 || (cp >= 0x2000 && cp <= 0x200a) ||
	    cp == 0x202f || cp == 0x3000;
}

/* Add a token to the shape; -1 when the shape grows too long. */
static int
count_add(struct count_tokens *t, const char *tok)
{
	size_t n = strlen(tok);

	if (t->len + (t->len > 0) + n >= sizeof(t->shape))
		return -1;
	if (t->len > 0)
		t->shape[t->len++] = ' ';
	memcpy(t->shape + t->len, tok, n + 1);
	t->len += n;
	return 0;
}

/*
 * The word at p, folded as a country's key is (lower case, no accents) into
 * out: its length (cut short at size - 1), *next past it. A word ends at a
 * digit, a space or a sign; 0 with *next == p when none starts at p.
 */
static size_t
count_word(const char *p, char *out, size_t size, const char **next)
{
	const char *q, *f;
	size_t len = 0, n;
	char buf[5];
	uint32_t cp;

	for (;;) {
		cp = count_cp(p, &q);
		if (cp == 0 || count_digit(cp))
			break;
		f = key_fold(cp, buf);
		if (f[0] == ' ')
			break;
		n = strlen(f);
		if (len + n < size)
			memcpy(out + len, f, n);
		len += n;
		p = q;
	}
	out[len < size ? len : size - 1] = '\0';
	*next = p;
	return len;
}

/* What a multiplier word multiplies by; 0 when it is none. */
static uint64_t
count_multiplier(const char *word)
{
	size_t i;

	for (i = 0; i < LR_NELEM(count_multipliers); i++)
		if (strcmp(word, count_multipliers[i].word) == 0)
			return count_multipliers[i].by;
	return 0;
}

/* Exactly three digits at p and no fourth: their value and *next past them; else -1. */
static int
count_group(const char *p, const char **next)
{
	const char *after;
	uint32_t cp;
	int v = 0, i;

	for (i = 0; i < 3; i++) {
		cp = count_cp(p, &p);
		if (!count_digit(cp))
			return -1;
		v = v * 10 + (int)(cp - '0');
	}
	if (count_digit(count_cp(p, &after)))
		return -1;
	*next = p;
	return v;
}

/* a * m + b, held at COUNT_CAP. */
static uint64_t
count_muladd(uint64_t a, uint64_t m, uint64_t b)
{
	if (a > (COUNT_CAP - b) / m)
		return COUNT_CAP;
	return a * m + b;
}

/*
 * The number at *p (a digit): digits, thousands in groups of three after one
 * separator used throughout ("1,000,000", "1.000", "1 000", "1'000"), a
 * decimal part after a dot or comma that groups nothing ("1.5"), then a
 * multiplier ("k", "M", "million"). *p moves past it. -1 when it is no whole
 * number ("2.5", "1.2345k").
 */
static int
count_number(const char **pp, uint64_t *value)
{
	const char *p = *pp, *q, *after;
	uint64_t ip = 0, frac = 0, scale = 1, by = 1;
	uint32_t cp, sep = 0;
	int lead = 0, g;
	char word[16];

	while (count_digit(cp = count_cp(p, &q))) {
		ip = count_muladd(ip, 10, cp - '0');
		lead++;
		p = q;
	}
	while (lead <= 3) {
		cp = count_cp(p, &q);
		if (cp != ',' && cp != '.' && cp != '\'' && cp != 0x2019 && !count_space(cp))
			break;
		if ((sep != 0 && cp != sep) || (g = count_group(q, &q)) == -1)
			break;
		ip = count_muladd(ip, 1000, (uint64_t)g);
		sep = cp;
		p = q;
	}
	cp = count_cp(p, &q);
	if ((cp == '.' || cp == ',') && cp != sep && count_digit(count_cp(q, &after))) {
		p = q;
		while (count_digit(cp = count_cp(p, &q))) {
			if (scale == 1000000000)
				return -1;
			frac = frac * 10 + (cp - '0');
			scale *= 10;
			p = q;
		}
	}
	/* A multiplier, after spaces or none ("10k", "1.5 million"). */
	for (q = p; count_space(count_cp(q, &after)); q = after)
		;
	if (count_word(q, word, sizeof(word), &after) > 0 && (by = count_multiplier(word)) > 0)
		p = after;
	else
		by = 1;
	if (frac * by % scale != 0)
		return -1;
	*value = count_muladd(ip, by, frac * by / scale);
	*pp = p;
	return 0;
}

/* True when word is one of count_noise[]. */
static int
count_is_noise(const char *word)
{
	size_t i;

	for (i = 0; i < LR_NELEM(count_noise); i++)
		if (strcmp(word, count_noise[i]) == 0)
			return 1;
	return 0;
}

/* The sign at p ("-", "+", "~", ">", ">=", "<", "<="), *next past it; NULL when none. */
static const char *
count_sign(const char *p, const char **next)
{
	const char *after;
	uint32_t cp = count_cp(p, next);

	if (cp == '-' || (cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212)
		return "-";
	if (cp == '+')
		return "+";
	if (cp == '~' || cp == 0x301c)
		return "~";
	if (cp == 0x2265)
		return ">=";
	if (cp == 0x2264)
		return "<=";
	if (cp == '>' || cp == '<') {
		if (count_cp(*next, &after) == '=') {
			*next = after;
			return cp == '>' ? ">=" : "<=";
		}
		return cp == '>' ? ">" : "<";
	}
	if (cp == '.' && count_cp(*next, &after) == '.') {	/* "200..500" */
		*next = after;
		return "-";
	}
	return NULL;
}

/* The text as tokens in t; -1 when it cannot be a count. */
static int
count_tokens(const char *text, struct count_tokens *t)
{
	const char *p = text, *q, *sign;
	char word[32];
	uint32_t cp;

	while (*p != '\0') {
		cp = count_cp(p, &q);
		if (count_digit(cp)) {
			if (t->nnum == 2 || count_number(&p, &t->num[t->nnum]) == -1)
				return -1;
			t->nnum++;
			if (count_add(t, "#") == -1)
				return -1;
			continue;
		}
		if ((sign = count_sign(p, &q)) != NULL) {
			if (count_add(t, sign) == -1)
				return -1;
			p = q;
			continue;
		}
		if (count_space(cp) || cp == '.' || cp == ',' || cp == ':' || cp == ';' ||
		    cp == '(' || cp == ')') {
			p = q;
			continue;
		}
		if (count_word(p, word, sizeof(word), &q) == 0) {
			if (q == p)
				return -1;	/* a sign no count has */
			p = q;			/* only marks that fold to nothing */
			continue;
		}
		if (!count_is_noise(word) && count_add(t, word) == -1)
			return -1;
		p = q;
	}
	return 0;
}

enum normalise_count
normalise_employees(const char *text, struct normalise_range *out)
{
	struct count_tokens t;
	uint64_t a, b;
	size_t i;

	memset(&t, 0, sizeof(t));
	if (count_tokens(text, &t) == -1)
		return NORMALISE_COUNT_UNKNOWN;
	for (i = 0; i < LR_NELEM(count_shapes); i++)
		if (strcmp(t.shape, count_shapes[i].shape) == 0)
			break;
	if (i == LR_NELEM(count_shapes))
		return NORMALISE_COUNT_UNKNOWN;
	a = t.num[0];
	b = t.num[1];
	switch (count_shapes[i].kind) {
	case COUNT_EXACT:
		out->lo = out->hi = (int64_t)a;
		break;
	case COUNT_RANGE:
		if (a > b)
			return NORMALISE_COUNT_UNKNOWN;
		out->lo = (int64_t)a;
		out->hi = (int64_t)b;
		break;
	case COUNT_AT_LEAST:
		out->lo = (int64_t)a;
		out->hi = -1;
		break;
	case COUNT_MORE_THAN:
		out->lo = (int64_t)a + 1;
		out->hi = -1;
		break;
	case COUNT_LESS_THAN:
		if (a == 0)
			return NORMALISE_COUNT_UNKNOWN;
		a--;
		/* FALLTHROUGH */
	case COUNT_AT_MOST:
		out->hi = (int64_t)a;
		out->lo = a >= 1 ? 1 : 0;
		break;
	}
	return out->lo > NORMALISE_EMPLOYEES_MAX ? NORMALISE_COUNT_TOO_LARGE : NORMALISE_COUNT_OK;
}

void
normalise_company_key(const char *name, char key[NORMALISE_COMPANY_KEY_MAX])
{
	size_t n = 0, start = 0;
	int space = 0;

	for (; *name != '\0'; name++) {
		unsigned char c = (unsigned char)*name;

		if (c <= ' ' || c == 0x7f) {
			space = n > 0;
			continue;
		}
		if (n + (space ? 2 : 1) > NORMALISE_COMPANY_KEY_MAX - 1) {
			/* Cut before the character this byte continues, if it does. */
			if ((c & 0xc0) == 0x80)
				n = start;
			break;
		}
		if (space) {
			key[n++] = ' ';
			space = 0;
		}
		if ((c & 0xc0) != 0x80)
			start = n;
		key[n++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : (char)c;
	}
	while (n > 0 && key[n - 1] == ' ')
		n--;
	key[n] = '\0';
}
