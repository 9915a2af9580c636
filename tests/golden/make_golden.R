# Regenerates the metafor reference values the test suite reads:
# tests/golden/metafor/<section>.json, one file per section.
# Run from the repository root:
#   Rscript tests/golden/make_golden.R            # every section
#   Rscript tests/golden/make_golden.R rma mh     # only these sections
# Needs R with the packages metafor, metadat and jsonlite (Debian: r-base-core
# r-cran-metafor r-cran-metadat r-cran-jsonlite).
#
# Each section lives in tests/golden/golden_<section>.R and defines `cases`: a list
# of cases, each list(id=, call=, args=list(...), expected=list(...)). Tests look
# cases up by section and id and compare every field of `expected`.
suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
  library(jsonlite)
})
here <- "tests/golden"
# tight convergence on the R side too, so iterative estimates agree to 1e-6 or better
TIGHT <- list(threshold = 1e-12, tol = 1e-12, maxiter = 1000)
num <- function(x) { x <- as.numeric(x); x[!is.finite(x)] <- NA; x }

sections <- commandArgs(trailingOnly = TRUE)
if (length(sections) == 0) {
  sections <- sort(sub("^golden_(.*)\\.R$", "\\1",
                       list.files(here, pattern = "^golden_.*\\.R$")))
}
dir.create(file.path(here, "metafor"), showWarnings = FALSE)
for (s in sections) {
  env <- new.env()
  sys.source(file.path(here, paste0("golden_", s, ".R")), envir = env)
  out <- list(
    section = s,
    metafor_version = as.character(packageVersion("metafor")),
    metadat_version = as.character(packageVersion("metadat")),
    r_version = R.version.string,
    cases = env$cases
  )
  path <- file.path(here, "metafor", paste0(s, ".json"))
  tmp <- paste0(path, ".tmp")
  writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", null = "null",
                    pretty = FALSE), tmp)
  file.rename(tmp, path)
  cat(sprintf("%-12s %d cases -> %s\n", s, length(env$cases), path))
}
