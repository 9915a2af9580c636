# Section "metareg": meta-regression with rma(mods=), predict(newmods=), anova()
# (Wald tests with btt and likelihood-ratio tests) and permutest().
# sys.source'd by make_golden.R, which provides TIGHT, num() and the packages.
#
# Every case stores yi, vi and the moderator columns it uses (args$data), so the
# tests do not depend on metareview's escalc; yi and vi are rounded to the 15
# significant digits that the JSON keeps before fitting.
#
# Kinds of cases (field "kind"):
#   "fit"       rma(yi, vi, mods=<formula>, ...): fields of the fit (expected),
#               fitstats, predict at args$newmods (a matrix of the moderator
#               columns without the intercept, as metafor's newmods) and at the
#               studies (predict_fitted), anova(btt=) tests, and for random-effects
#               fits with an estimated tau^2 the Q-profile interval (confint).
#               args$intercept FALSE is the formula with "- 1" in R (metafor
#               ignores intercept=FALSE when mods is a formula).
#   "lrt"       anova(full, reduced) of two fits (args_f, args_r).
#   "permutest" permutest(exact=TRUE): p-values and the sorted permutation
#               distributions, which are deterministic; only cases in which every
#               permutation converges in metafor (it leaves out failed fits).
#   "permutest_mc" permutest(iter=) with random permutations (set.seed): the
#               tests check agreement within Monte Carlo error only.

exact15 <- function(x) as.numeric(sprintf("%.15g", x))

bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
bcg <- data.frame(yi = exact15(bcg$yi), vi = exact15(bcg$vi), ablat = bcg$ablat,
                  year = bcg$year, alloc = as.character(bcg$alloc))
raud <- dat.raudenbush1985
raud <- data.frame(yi = exact15(raud$yi), vi = exact15(raud$vi), weeks = raud$weeks,
                   tester = as.character(raud$tester))
# weeks of prior contact, capped at 3 (Raudenbush 2009): tau^2 is 0 or nearly so
raud$weeks_c <- ifelse(raud$weeks > 3, 3, raud$weeks)

METHODS <- c("EE", "FE", "DL", "HE", "SJ", "ML", "REML", "EB", "PM")
TESTS <- c("z", "t", "knha")
RANDOM_ITERATIVE <- c("ML", "REML", "EB", "PM")

# new moderator values: rows of the model matrix without its intercept, built from
# a frame of moderator values with the levels of the data
newmods_matrix <- function(formula, d, newdata, intercept) {
  f <- as.formula(formula)
  tt <- delete.response(terms(f))
  xlev <- .getXlevels(tt, model.frame(tt, d))
  if (!intercept) tt <- delete.response(terms(update(f, ~ . - 1)))
  X <- model.matrix(tt, model.frame(tt, newdata, xlev = xlev))
  if (intercept) X <- X[, -1, drop = FALSE]
  unname(X)
}

fit <- function(d, formula, method, test, intercept = TRUE, tau2 = NULL,
                weights = NULL, level = 0.95) {
  f <- as.formula(if (intercept) formula else paste(formula, "- 1"))
  args <- list(yi = d$yi, vi = d$vi, mods = f, data = d, method = method, test = test,
               level = 100 * level, control = TIGHT)
  if (!is.null(tau2)) args$tau2 <- tau2
  if (!is.null(weights)) args$weights <- weights
  do.call(rma, args)
}

py_args <- function(d, formula, method, test, intercept = TRUE, tau2 = NULL,
                    weights = NULL, level = 0.95) {
  vars <- all.vars(as.formula(formula))
  a <- list(yi = d$yi, vi = d$vi, data = as.list(d[vars]), mods = formula,
            intercept = intercept, method = method, test = test, level = level)
  if (!is.null(tau2)) a$tau2 <- tau2
  if (!is.null(weights)) a$weights <- weights
  a
}

fields <- function(res) {
  out <- list(
    beta = num(res$beta), se = num(res$se), zval = num(res$zval),
    pval = num(res$pval), ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub),
    vb = unname(res$vb), tau2 = num(res$tau2), se_tau2 = num(res$se.tau2),
    I2 = num(res$I2), H2 = num(res$H2), QE = num(res$QE), QEp = num(res$QEp),
    QM = num(res$QM), QMdf = num(res$QMdf), QMp = num(res$QMp),
    R2 = if (is.null(res$R2)) NA else num(res$R2), k = res$k, p = res$p,
    ll_ml = num(res$fit.stats["ll", "ML"]), ll_reml = num(res$fit.stats["ll", "REML"])
  )
  if (res$test != "z") out$dfs <- num(res$ddf)
  out
}

pred_fields <- function(pr, random) {
  list(pred = num(pr$pred), se = num(pr$se), ci_lb = num(pr$ci.lb),
       ci_ub = num(pr$ci.ub),
       pi_lb = num(if (random) pr$pi.lb else pr$ci.lb),
       pi_ub = num(if (random) pr$pi.ub else pr$ci.ub))
}

make_case <- function(dname, d, formula, method, test, newdata, btts = list(),
                      intercept = TRUE, tau2 = NULL, weights = NULL, level = 0.95,
                      tag = "") {
  res <- fit(d, formula, method, test, intercept, tau2, weights, level)
  random <- !(method %in% c("EE", "FE"))
  X <- newmods_matrix(formula, d, newdata, intercept)
  anovas <- lapply(btts, function(b) {
    a <- anova(res, btt = b)
    list(btt = if (is.character(b)) b else as.integer(b - 1), QM = num(a$QM),
         QMdf = num(a$QMdf), QMp = num(a$QMp))
  })
  fs <- fitstats(res)
  id <- paste0(dname, "-", gsub(" ", "", formula), if (!intercept) "-nointercept" else "",
               "-", method, "-", test, tag)
  out <- list(
    kind = "fit", id = id,
    call = sprintf("rma(yi, vi, mods=%s%s, data=%s, method=\"%s\", test=\"%s\"%s%s)",
                   formula, if (intercept) "" else " - 1", dname, method, test,
                   if (is.null(tau2)) "" else sprintf(", tau2=%g", tau2),
                   if (is.null(weights)) "" else ", weights=1/sqrt(vi)"),
    args = py_args(d, formula, method, test, intercept, tau2, weights, level),
    coef_names_metafor = rownames(res$beta),
    expected = fields(res),
    fitstats = list(ll = num(fs[1]), deviance = num(fs[2]), AIC = num(fs[3]),
                    BIC = num(fs[4]), AICc = num(fs[5])),
    newmods = X, newdata = as.list(newdata),
    predict = pred_fields(predict(res, newmods = X), random),
    predict_fitted = pred_fields(predict(res), random),
    anova = anovas
  )
  if (random && is.null(tau2) && is.null(weights)) {
    ci <- confint(res, control = c(TIGHT, tau2.max = 1e6))
    stopifnot(ci$lb.sign != ">", ci$ub.sign != ">")
    ci <- ci$random
    out$confint <- list(tau2 = num(ci[1, ]), tau = num(ci[2, ]), I2 = num(ci[3, ]),
                        H2 = num(ci[4, ]))
  }
  out
}

cases <- list()
add <- function(x) cases[[length(cases) + 1]] <<- x

new_bcg <- data.frame(ablat = c(10, 30, 50), year = c(1950, 1965, 1980),
                      alloc = c("random", "alternate", "systematic"))
new_raud <- data.frame(weeks = c(0, 2, 10), weeks_c = c(0, 1, 3),
                       tester = c("aware", "blind", "blind"))

models <- list(
  list("bcg", bcg, "~ ablat", list(2)),
  list("bcg", bcg, "~ year", list()),
  list("bcg", bcg, "~ alloc", list(2, 3, "alloc")),
  list("bcg", bcg, "~ ablat + year", list(2, 3, 1:3)),
  list("bcg", bcg, "~ ablat + alloc", list(c(2, 4), "alloc")),
  list("bcg", bcg, "~ year * ablat", list(4, c(2, 4))),
  list("raud", raud, "~ weeks", list(2)),
  list("raud", raud, "~ weeks_c", list()),
  list("raud", raud, "~ weeks + tester", list(3, c(1, 3)))
)
for (mdl in models) {
  for (method in METHODS) {
    for (test in TESTS) {
      add(make_case(mdl[[1]], mdl[[2]], mdl[[3]], method, test,
                    if (mdl[[1]] == "bcg") new_bcg else new_raud, mdl[[4]]))
    }
  }
}

# models without an intercept: QM tests every coefficient, no R^2.
# metafor 3.8.1 computes QE and every tau^2 estimator from yi centred at their
# mean (its ymci); that changes nothing when the columns of X span the constant
# (~ alloc - 1) but does when they do not (~ ablat - 1), where it is not the model
# fitted (metafor's own deviance of an FE fit is then not its QE). metareview uses
# yi as they are, so those models are compared on outcomes centred beforehand,
# for which both sides fit the same model.
centre <- function(d) { d$yi <- exact15(d$yi - mean(d$yi)); d }
bcg_c <- centre(bcg)
raud_c <- centre(raud)
for (mdl in list(list("bcg", bcg, "~ alloc", list(c(1, 2), "alloc")),
                 list("bcg_centred", bcg_c, "~ ablat", list()),
                 list("bcg", bcg, "~ ablat + alloc", list(1)),
                 list("raud_centred", raud_c, "~ weeks", list()))) {
  for (method in c("FE", "DL", "REML", "ML")) {
    for (test in TESTS) {
      add(make_case(mdl[[1]], mdl[[2]], mdl[[3]], method, test,
                    if (startsWith(mdl[[1]], "bcg")) new_bcg else new_raud, mdl[[4]],
                    intercept = FALSE))
    }
  }
}

# tau^2 fixed by the user (R^2 against the method's tau^2 without moderators),
# user weights (the R^2 of an FE fit is the adjusted R^2 of the weighted fit),
# the generalized Q estimator and another confidence level
for (test in TESTS) {
  add(make_case("bcg", bcg, "~ ablat", "REML", test, new_bcg, list(2), tau2 = 0.1,
                tag = "-tau2_0.1"))
  add(make_case("bcg", bcg, "~ ablat", "DL", test, new_bcg, list(2), tau2 = 0,
                tag = "-tau2_0"))
  w <- exact15(1 / sqrt(bcg$vi))
  for (method in c("FE", "REML", "DL", "GENQ")) {
    add(make_case("bcg", bcg, "~ ablat + year", method, test, new_bcg, list(3),
                  weights = w, tag = "-weights"))
  }
  add(make_case("bcg", bcg, "~ ablat + alloc", "REML", test, new_bcg, list("alloc"),
                level = 0.9, tag = "-level90"))
}

# likelihood-ratio tests (ML fits; REML fits with the same moderators)
lrt_case <- function(id, d, f_full, m_full, f_red, m_red, tau2_red = NULL) {
  rf <- fit(d, f_full, m_full, "z")
  rr <- if (f_red == "~ 1") {
    a <- list(yi = d$yi, vi = d$vi, method = m_red, control = TIGHT)
    if (!is.null(tau2_red)) a$tau2 <- tau2_red
    do.call(rma, a)
  } else fit(d, f_red, m_red, "z", tau2 = tau2_red)
  a <- anova(rf, rr)
  fsl <- function(x) list(ll = num(x[1]), deviance = num(x[2]), AIC = num(x[3]),
                          BIC = num(x[4]), AICc = num(x[5]))
  red_args <- if (f_red == "~ 1") {
    list(yi = d$yi, vi = d$vi, method = m_red, test = "z", level = 0.95)
  } else py_args(d, f_red, m_red, "z")
  if (!is.null(tau2_red)) red_args$tau2 <- tau2_red
  list(kind = "lrt", id = id,
       call = sprintf("anova(rma(mods=%s, method=\"%s\"), rma(mods=%s, method=\"%s\"%s))",
                      f_full, m_full, f_red, m_red,
                      if (is.null(tau2_red)) "" else sprintf(", tau2=%g", tau2_red)),
       args_f = py_args(d, f_full, m_full, "z"), args_r = red_args,
       expected = list(parms_f = num(a$parms.f), parms_r = num(a$parms.r),
                       LRT = num(a$LRT), pval = num(a$pval), QE_f = num(a$QE.f),
                       QE_r = num(a$QE.r), tau2_f = num(a$tau2.f), tau2_r = num(a$tau2.r),
                       R2 = num(a$R2)),
       fit_stats_f = fsl(a$fit.stats.f), fit_stats_r = fsl(a$fit.stats.r))
}
add(lrt_case("bcg-ablat+year-vs-ablat-ML", bcg, "~ ablat + year", "ML", "~ ablat", "ML"))
add(lrt_case("bcg-ablat-vs-1-ML", bcg, "~ ablat", "ML", "~ 1", "ML"))
add(lrt_case("bcg-ablat+alloc-vs-ablat-ML", bcg, "~ ablat + alloc", "ML", "~ ablat", "ML"))
add(lrt_case("bcg-ablat+year-vs-ablat-FE", bcg, "~ ablat + year", "FE", "~ ablat", "FE"))
add(lrt_case("bcg-ablat-REML-vs-FE", bcg, "~ ablat", "REML", "~ ablat", "FE"))
add(lrt_case("bcg-ablat-ML-vs-FE", bcg, "~ ablat", "ML", "~ ablat", "FE"))
add(lrt_case("raud-weeks-vs-1-ML", raud, "~ weeks", "ML", "~ 1", "ML"))
add(lrt_case("bcg-ablat-REML-vs-tau2_0", bcg, "~ ablat", "REML", "~ ablat", "REML",
             tau2_red = 0))

# exact permutation tests on small data sets (k = 6 and 7)
perm_case <- function(id, d, formula, method, test) {
  res <- if (formula == "~ 1") {
    rma(d$yi, d$vi, method = method, test = test, control = TIGHT)
  } else fit(d, formula, method, test)
  pt <- permutest(res, exact = TRUE, progbar = FALSE, control = TIGHT)
  zp <- as.matrix(pt$zval.perm)
  stopifnot(all(complete.cases(zp)))  # metafor leaves out failed fits; we would not
  # metafor's p-values are the share of |z*| >= |z| - comptol (checked here)
  tol <- .Machine$double.eps^0.5
  stopifnot(isTRUE(all.equal(num(pt$pval),
                      colMeans(abs(zp) >= matrix(abs(res$zval), nrow(zp), ncol(zp),
                                                 byrow = TRUE) - tol), check.attributes = FALSE)))
  args <- if (formula == "~ 1") {
    list(yi = d$yi, vi = d$vi, method = method, test = test, level = 0.95)
  } else py_args(d, formula, method, test)
  list(kind = "permutest", id = id,
       call = sprintf("permutest(rma(yi, vi, mods=%s, method=\"%s\", test=\"%s\"), exact=TRUE)",
                      formula, method, test),
       args = args,
       expected = list(pval = num(pt$pval), QMp = num(pt$QMp),
                       exact_iter = num(pt$exact.iter)),
       QM_perm = sort(num(pt$QM.perm)),
       zval_perm = lapply(seq_len(ncol(zp)), function(j) sort(num(zp[, j]))))
}
bcg6 <- bcg[c(1, 2, 3, 4, 7, 9), ]
bcg7 <- bcg[c(1, 2, 3, 5, 6, 10, 11), ]
raud7 <- raud[1:7, ]
add(perm_case("bcg6-ablat-DL-z", bcg6, "~ ablat", "DL", "z"))
add(perm_case("bcg6-ablat-REML-z", bcg6, "~ ablat", "REML", "z"))
add(perm_case("bcg6-ablat-FE-z", bcg6, "~ ablat", "FE", "z"))
add(perm_case("bcg6-ablat-DL-knha", bcg6, "~ ablat", "DL", "knha"))
add(perm_case("bcg7-alloc-DL-z", bcg7, "~ alloc", "DL", "z"))
add(perm_case("bcg7-ablat+year-DL-t", bcg7, "~ ablat + year", "DL", "t"))
add(perm_case("raud7-weeks-HE-z", raud7, "~ weeks", "HE", "z"))
add(perm_case("bcg6-intercept-DL-z", bcg6, "~ 1", "DL", "z"))
add(perm_case("bcg6-intercept-REML-knha", bcg6, "~ 1", "REML", "knha"))
add(perm_case("raud7-intercept-PM-z", raud7, "~ 1", "PM", "z"))

# random permutations: reproducible in R only through its own generator
mc_case <- function(id, d, formula, method, test, iter, seed) {
  res <- fit(d, formula, method, test)
  set.seed(seed)
  pt <- permutest(res, iter = iter, progbar = FALSE)
  list(kind = "permutest_mc", id = id,
       call = sprintf("set.seed(%d); permutest(rma(yi, vi, mods=%s, method=\"%s\", test=\"%s\"), iter=%d)",
                      seed, formula, method, test, iter),
       args = py_args(d, formula, method, test), iter = iter,
       expected = list(pval = num(pt$pval), QMp = num(pt$QMp),
                       n_ok = sum(complete.cases(as.matrix(pt$zval.perm)))))
}
add(mc_case("bcg-ablat-REML-z-mc", bcg, "~ ablat", "REML", "z", 1000, 20261130))
add(mc_case("bcg-ablat+alloc-DL-knha-mc", bcg, "~ ablat + alloc", "DL", "knha", 1000, 7))
add(mc_case("raud-weeks-REML-z-mc", raud, "~ weeks", "REML", "z", 1000, 11))
