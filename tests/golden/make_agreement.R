# Regenerates the reference values for Cohen's kappa and its confidence interval
# that tests/review/test_agreement.py reads: tests/golden/agreement/agreement.json.
# Run from the repository root:
#   Rscript tests/golden/make_agreement.R
# Needs R with the packages psych and jsonlite (Debian: r-base-core r-cran-psych
# r-cran-jsonlite).
#
# psych::cohen.kappa computes the large-sample (non-null) variance of kappa of
# Fleiss, Cohen & Everitt (1969) and the Wald interval kappa -/+ qnorm(alpha/2) * se.
# Every case below keeps that interval inside [-1, 1], where psych truncates it.
suppressPackageStartupMessages({
  library(psych)
  library(jsonlite)
})
here <- "tests/golden"

from_table <- function(id, tab, alpha = 0.05) {
  tab <- as.matrix(tab)
  ck <- cohen.kappa(tab, alpha = alpha)
  list(
    id = id,
    call = sprintf("cohen.kappa(matrix(c(%s), nrow = %d, byrow = TRUE), alpha = %s)",
                   paste(t(tab), collapse = ", "), nrow(tab), alpha),
    table = tab,
    level = 1 - alpha,
    expected = list(
      n = sum(tab),
      kappa = ck$kappa,
      kappa_se = sqrt(ck$var.kappa),
      kappa_ci_lb = ck$confid[1, 1],
      kappa_ci_ub = ck$confid[1, 3]
    )
  )
}

from_ratings <- function(id, r1, r2, levels, alpha = 0.05) {
  # cohen.kappa tabulates with table(), which leaves out units with a missing rating
  ck <- cohen.kappa(data.frame(r1, r2), alpha = alpha, levels = levels)
  list(
    id = id,
    call = "cohen.kappa(data.frame(r1, r2), levels = levels)",
    r1 = r1,
    r2 = r2,
    categories = levels,
    level = 1 - alpha,
    expected = list(
      n = sum(!is.na(r1) & !is.na(r2)),
      kappa = ck$kappa,
      kappa_se = sqrt(ck$var.kappa),
      kappa_ci_lb = ck$confid[1, 1],
      kappa_ci_ub = ck$confid[1, 3]
    )
  )
}

r1 <- c("include", "exclude", "exclude", "maybe", "include", "exclude", NA,
        "exclude", "maybe", "exclude", "include", "exclude", "exclude", NA,
        "exclude", "include", "exclude", "maybe", "exclude", "exclude")
r2 <- c("include", "exclude", "maybe", "maybe", "exclude", "exclude", "include",
        "exclude", "exclude", "exclude", "include", NA, "exclude", "exclude",
        "exclude", "include", "exclude", "include", "exclude", "exclude")

cases <- list(
  # two categories, moderate agreement (kappa = 0.4 by hand: po = 0.7, pe = 0.5)
  from_table("two_by_two", matrix(c(20, 5, 10, 15), 2, byrow = TRUE)),
  # same table, 90% interval
  from_table("two_by_two_level90", matrix(c(20, 5, 10, 15), 2, byrow = TRUE),
             alpha = 0.10),
  # three categories: Gwet (2014) pregnancy-type abstractors, 100 women
  from_table("three_abstractors",
             matrix(c(13, 0, 0, 0, 20, 7, 0, 4, 56), 3, byrow = TRUE)),
  # three screening categories, include / exclude / maybe
  from_table("three_screening",
             matrix(c(40, 5, 3, 6, 120, 4, 2, 7, 13), 3, byrow = TRUE)),
  # very unbalanced: few includes, high percent agreement, low kappa
  from_table("unbalanced", matrix(c(3, 4, 5, 188), 2, byrow = TRUE)),
  # labels with missing ratings
  from_ratings("ratings_missing", r1, r2, levels = c("exclude", "include", "maybe"))
)

out <- list(
  section = "agreement",
  psych_version = as.character(packageVersion("psych")),
  r_version = R.version.string,
  cases = cases
)
dir.create(file.path(here, "agreement"), showWarnings = FALSE)
path <- file.path(here, "agreement", "agreement.json")
tmp <- paste0(path, ".tmp")
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", null = "null",
                  pretty = TRUE), tmp)
invisible(file.rename(tmp, path))
cat(sprintf("%d cases -> %s\n", length(cases), path))
