# Section "mh": rma.mh() (OR, RR, RD, IRR, IRD) and rma.peto(), and the RevMan 5
# "M-H, Random" variant (method = "DL") worked out here from metafor's pieces.
# sys.source'd by make_golden.R, which provides num() and the packages.
#
# A case holds: call ("rma_mh" or "rma_peto", the Python function), r_call (the R
# call, for the reader), args (the Python arguments: counts as vectors, level as
# a fraction, add/to/drop00 as one value or a pair), expected (fields of the
# result) and predict (predict() on the log scale).
#
# The per-study fields (yi, vi, weights) cover the studies with complete counts,
# in input order; yi/vi are NA where the study's own effect is not estimable, and
# the weight is 0 for a table left out of the pooled estimate (second drop00).

cases <- list()
add_case <- function(x) cases[[length(cases) + 1]] <<- x

# tables that enter the model, as row numbers of the input (slab = 1..n)
in_model <- function(res) as.integer(names(weights(res)))

# rows of the input without missing counts
complete_rows <- function(counts) which(complete.cases(as.data.frame(counts)))

per_study <- function(res, counts) {
  rows <- complete_rows(counts)
  w <- rep(0, length(rows))
  w[match(in_model(res), rows)] <- weights(res)
  list(yi = num(res$yi.f[rows]), vi = num(res$vi.f[rows]), weights = num(w))
}

summary_fields <- function(res) {
  list(beta = num(res$beta), se = num(res$se), zval = num(res$zval),
       pval = num(res$pval), ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub),
       vb = num(res$vb), QE = num(res$QE), QEp = num(res$QEp), I2 = num(res$I2),
       H2 = num(res$H2), k = res$k, k_yi = res$k.yi, tau2 = 0)
}

predict_fields <- function(res) {
  pr <- predict(res)
  list(pred = num(pr$pred), ci_lb = num(pr$ci.lb), ci_ub = num(pr$ci.ub),
       pi_lb = num(pr$ci.lb), pi_ub = num(pr$ci.ub))
}

# R-side argument list, Python-side argument list and the id suffix of the options
options_of <- function(add, to, drop00, correct, level) {
  r <- list(add = add, to = to, drop00 = drop00, level = 100 * level)
  py <- list(add = add, to = to, drop00 = drop00, level = level)
  if (!is.null(correct)) {
    r$correct <- correct
    py$correct <- correct
  }
  tag <- paste0(
    if (!identical(add, 0.5)) paste0("-add", paste(add, collapse = "_")) else "",
    if (!identical(to, "only0")) paste0("-to_", paste(to, collapse = "_")) else "",
    if (!identical(drop00, TRUE)) paste0("-drop00_", paste(drop00, collapse = "_")) else "",
    if (isFALSE(correct)) "-nocorrect" else "",
    if (level != 0.95) sprintf("-level%g", 100 * level) else ""
  )
  list(r = r, py = py, tag = tag)
}

counts_of <- function(d, measure) {
  if (measure %in% c("IRR", "IRD")) {
    list(x1i = num(d$x1i), t1i = num(d$t1i), x2i = num(d$x2i), t2i = num(d$t2i))
  } else if (!is.null(d$bi)) {
    list(ai = num(d$ai), bi = num(d$bi), ci = num(d$ci), di = num(d$di))
  } else {
    list(ai = num(d$ai), n1i = num(d$n1i), ci = num(d$ci), n2i = num(d$n2i))
  }
}

r_call <- function(fun, name, measure, opt) {
  extra <- paste(sprintf("%s=%s", names(opt$r),
                         vapply(opt$r, function(v) deparse(v, width.cutoff = 500L),
                                character(1))), collapse = ", ")
  sprintf("%s(%sdata=%s, %s)", fun,
          if (is.null(measure)) "" else sprintf("measure=\"%s\", ", measure), name, extra)
}

mh_case <- function(name, d, measure, add = 0.5, to = "only0", drop00 = TRUE,
                    correct = TRUE, level = 0.95) {
  opt <- options_of(add, to, drop00, correct, level)
  counts <- counts_of(d, measure)
  res <- suppressWarnings(do.call(rma.mh, c(counts, list(measure = measure,
                                                          slab = seq_len(nrow(d))),
                                            opt$r)))
  expected <- c(summary_fields(res), per_study(res, counts))
  if (measure == "OR") {
    expected <- c(expected, list(MH = num(res$MH), MHp = num(res$MHp), TA = num(res$TA),
                                 TAp = num(res$TAp), k_pos = res$k.pos))
  } else if (measure == "IRR") {
    expected <- c(expected, list(MH = num(res$MH), MHp = num(res$MHp)))
  }
  add_case(list(id = paste0("mh-", measure, "-", name, opt$tag), call = "rma_mh",
                r_call = r_call("rma.mh", name, measure, opt),
                args = c(counts, list(measure = measure), opt$py),
                expected = expected, predict = predict_fields(res)))
}

peto_case <- function(name, d, add = 0.5, to = "only0", drop00 = TRUE, level = 0.95) {
  opt <- options_of(add, to, drop00, NULL, level)
  counts <- counts_of(d, "OR")
  res <- suppressWarnings(do.call(rma.peto, c(counts, list(slab = seq_len(nrow(d))),
                                              opt$r)))
  expected <- c(summary_fields(res), per_study(res, counts), list(k_pos = res$k.pos))
  add_case(list(id = paste0("peto-", name, opt$tag), call = "rma_peto",
                r_call = r_call("rma.peto", name, NULL, opt),
                args = c(counts, opt$py), expected = expected,
                predict = predict_fields(res)))
}

# RevMan 5 "M-H, Random" (Deeks & Higgins 2010): Q of the studies' own effects
# around the Mantel-Haenszel estimate with weights 1/vi (metafor's QE, here with the
# same zero-cell correction in both stages, as RevMan does), DerSimonian-Laird tau^2
# from that Q, then the inverse-variance pool with weights 1/(vi + tau^2).
dl_case <- function(name, d, measure, add = 0.5, to = "only0", drop00 = TRUE,
                    level = 0.95) {
  opt <- options_of(add, to, drop00, NULL, level)
  counts <- counts_of(d, measure)
  both <- list(add = c(add, add), to = c(to, to), drop00 = c(drop00, drop00),
               level = 100 * level)
  mh <- suppressWarnings(do.call(rma.mh, c(counts, list(measure = measure,
                                                         slab = seq_len(nrow(d))),
                                           both)))
  rows <- complete_rows(counts)
  yi <- mh$yi.f[rows]
  vi <- mh$vi.f[rows]
  ok <- is.finite(yi)
  w <- 1 / vi[ok]
  df <- sum(ok) - 1
  tau2 <- max(0, (mh$QE - df) / (sum(w) - sum(w^2) / sum(w)))
  re <- rma(yi[ok], vi[ok], tau2 = tau2, level = 100 * level)
  wts <- rep(0, length(yi))
  wts[ok] <- weights(re)
  expected <- list(beta = num(re$beta), se = num(re$se), zval = num(re$zval),
                   pval = num(re$pval), ci_lb = num(re$ci.lb), ci_ub = num(re$ci.ub),
                   tau2 = num(tau2), QE = num(mh$QE), QEp = num(mh$QEp),
                   I2 = num(mh$I2), H2 = num(mh$H2), k = mh$k, weights = num(wts),
                   yi = num(yi), vi = num(vi))
  pr <- predict(re)
  add_case(list(id = paste0("dl-", measure, "-", name, opt$tag), call = "rma_mh",
                r_call = paste("by hand from", r_call("rma.mh", name, measure,
                                                     list(r = both))),
                args = c(counts, list(measure = measure, method = "DL"), opt$py),
                expected = expected,
                predict = list(pred = num(pr$pred), ci_lb = num(pr$ci.lb),
                               ci_ub = num(pr$ci.ub), pi_lb = num(pr$pi.lb),
                               pi_ub = num(pr$pi.ub))))
}

# --- datasets --------------------------------------------------------------------
bcg <- with(dat.bcg, data.frame(ai = tpos, bi = tneg, ci = cpos, di = cneg))
# beta-blockers (Yusuf et al. 1985), table 9: many zero cells and double zeros;
# rows with missing counts left out here (the NA case below keeps them)
y9_all <- subset(dat.yusuf1985, table == "9")[, c("ai", "n1i", "ci", "n2i")]
y9 <- y9_all[complete.cases(y9_all), ]
y6 <- subset(dat.yusuf1985, table == "6")[, c("ai", "n1i", "ci", "n2i")]
y6 <- y6[complete.cases(y6), ]
# sclerotherapy, bleeding (Collins & Langman 1985): a double zero (Colecchia) and
# single zeros; rows with missing counts left out
collins <- with(dat.collins1985a, data.frame(ai = b.xti, n1i = nti, ci = b.xci, n2i = nci))
collins <- collins[complete.cases(collins), ]
# person-time: catheter infections (Niel-Weise et al. 2008), warfarin (Hart et al. 1999)
niel <- dat.nielweise2008[, c("x1i", "t1i", "x2i", "t2i")]
hart <- dat.hart1999[, c("x1i", "t1i", "x2i", "t2i")]
# person-time with zero events: Niel-Weise with the events of three studies set to
# zero in one or both groups (no metadat set has zero events in person-time data)
niel0 <- niel
niel0$x1i[c(3, 5)] <- 0
niel0$x2i[5] <- 0
niel0$x2i[9] <- 0

# --- rma.mh ----------------------------------------------------------------------
for (m in c("OR", "RR", "RD")) {
  mh_case("bcg", bcg, m)
  mh_case("yusuf9", y9, m)
  mh_case("yusuf6", y6, m)
  mh_case("collins", collins, m)
  mh_case("bcg_k2", bcg[1:2, ], m)
  mh_case("bcg_k3", bcg[1:3, ], m)
  mh_case("yusuf9", y9, m, drop00 = FALSE)
  mh_case("yusuf9", y9, m, to = "all")
  mh_case("yusuf9", y9, m, to = "if0all")
  mh_case("yusuf9", y9, m, add = 0, to = "none")
  mh_case("yusuf9", y9, m, add = c(0.5, 0.5), to = c("only0", "only0"),
          drop00 = c(TRUE, TRUE))
  mh_case("yusuf9", y9, m, add = c(0.5, 0.5), to = c("only0", "only0"),
          drop00 = c(TRUE, FALSE))
  mh_case("collins", collins, m, add = c(1, 0.25), to = c("all", "only0"))
  mh_case("bcg", bcg, m, level = 0.90)
}
mh_case("bcg", bcg, "OR", correct = FALSE)
mh_case("yusuf9", y9, "OR", correct = FALSE)
mh_case("bcg_k1", bcg[1, ], "OR")
mh_case("yusuf9_na", y9_all, "OR")
mh_case("yusuf9_na", y9_all, "RD")
# table 9 rows 1-3 hold a double zero: k = 3 with k_yi = 2
mh_case("yusuf9_k3", y9[1:3, ], "OR")
for (m in c("IRR", "IRD")) {
  mh_case("nielweise", niel, m)
  mh_case("hart", hart, m)
  mh_case("nielweise0", niel0, m)
  mh_case("nielweise0", niel0, m, drop00 = FALSE)
  mh_case("nielweise0", niel0, m, to = "all")
  mh_case("nielweise0", niel0, m, to = "if0all")
  mh_case("nielweise0", niel0, m, add = c(0.5, 0.5), to = c("only0", "only0"),
          drop00 = c(TRUE, FALSE))
  mh_case("hart_k2", hart[1:2, ], m)
  mh_case("hart_k3", hart[1:3, ], m)
  mh_case("hart", hart, m, level = 0.99)
}
mh_case("nielweise", niel, "IRR", correct = FALSE)

# --- rma.peto --------------------------------------------------------------------
peto_case("bcg", bcg)
peto_case("yusuf9", y9)
peto_case("yusuf6", y6)
peto_case("collins", collins)
peto_case("bcg_k2", bcg[1:2, ])
peto_case("bcg_k3", bcg[1:3, ])
peto_case("yusuf9", y9, drop00 = FALSE)
peto_case("yusuf9", y9, to = "all")
peto_case("yusuf9", y9, to = "if0all")
peto_case("yusuf9", y9, add = 0, to = "none")
peto_case("yusuf9", y9, add = c(0.5, 0.5), to = c("only0", "only0"),
          drop00 = c(TRUE, FALSE))
peto_case("yusuf9_na", y9_all)
peto_case("bcg", bcg, level = 0.90)

# --- RevMan 5 "M-H, Random" ------------------------------------------------------
for (m in c("OR", "RR", "RD")) {
  dl_case("bcg", bcg, m)
  dl_case("yusuf9", y9, m)
  dl_case("yusuf6", y6, m)
  dl_case("collins", collins, m)
  dl_case("bcg_k2", bcg[1:2, ], m)
  dl_case("bcg_k3", bcg[1:3, ], m)
}
# RevMan keeps double-zero studies for the risk difference
dl_case("yusuf9", y9, "RD", drop00 = FALSE)
dl_case("collins", collins, "RD", drop00 = FALSE)
dl_case("bcg", bcg, "OR", level = 0.90)
for (m in c("IRR", "IRD")) {
  dl_case("nielweise", niel, m)
  dl_case("hart", hart, m)
  dl_case("nielweise0", niel0, m)
}
