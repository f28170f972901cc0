use super::*;
use proptest::prelude::*;

#[test]
fn exact_sum_is_exact_where_plain_sums_are_not() {
    let v = [1e16, 1.0, -1e16, 1.0];
    assert_eq!(v.iter().sum::<f64>(), 1.0);
    assert_eq!(exact_sum(v), 2.0);
    assert_eq!(exact_sum([0.1; 10]), 1.0);
    assert_ne!([0.1; 10].iter().sum::<f64>(), 1.0);
    assert_eq!(exact_sum([f64::MAX, -f64::MAX, 3.0]), 3.0);
    assert_eq!(exact_sum([5e-324, 5e-324]), 1e-323);
    assert_eq!(exact_sum([-2.5, 1.0]), -1.5);
    assert!(exact_sum([1.0, f64::NAN]).is_nan());
    assert_eq!(exact_sum([1.0, f64::INFINITY]), f64::INFINITY);
    assert_eq!(exact_sum(std::iter::empty()), 0.0);
}

#[test]
fn grid_values_sum_exactly_in_any_order() {
    let vals: Vec<f64> = (0..10_000)
        .map(|i| ((i * 7919) % 1000) as f64 / 997.0 - 0.5)
        .collect();
    let max = vals.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let step = grid_step(max, vals.len()).expect("a step");
    let snapped: Vec<f64> = vals.iter().map(|&v| snap(v, step, false)).collect();
    let forward: f64 = snapped.iter().sum();
    let backward: f64 = snapped.iter().rev().sum();
    let halves = snapped[..3333].iter().sum::<f64>() + snapped[3333..].iter().sum::<f64>();
    assert_eq!(forward.to_bits(), backward.to_bits());
    assert_eq!(forward.to_bits(), halves.to_bits());
    assert_eq!(forward, exact_sum(snapped.iter().copied()));
    // Snapping moves a value by at most half a step; hessians snapped up stay positive.
    assert!(
        vals.iter()
            .zip(&snapped)
            .all(|(a, b)| (a - b).abs() <= step / 2.0)
    );
    assert!(snap(1e-300, step, true) > 0.0);
    assert_eq!(grid_step(0.0, 10), None);
    assert_eq!(grid_step(f64::NAN, 10), None);
}

#[test]
fn thread_groups_gather_and_reduce_in_rank_order() {
    let out = ThreadGroup::run(3, |c| {
        let mut s = [c.rank() as f64, 1.0];
        c.allreduce_sum(&mut s).unwrap();
        let mut m = [c.rank() as f64];
        c.allreduce_max(&mut m).unwrap();
        let g = allgather_concat(c, &vec![c.rank() as f64; c.rank() + 1]).unwrap();
        (s, m[0], g)
    });
    for (s, m, g) in out {
        assert_eq!(s, [3.0, 3.0]);
        assert_eq!(m, 2.0);
        assert_eq!(g, vec![0.0, 1.0, 1.0, 2.0, 2.0, 2.0]);
    }
}

#[test]
fn agree_names_the_failing_rank_on_every_rank() {
    let out = ThreadGroup::run(3, |c| {
        let r: Result<usize> = if c.rank() == 1 {
            Err(Error::InvalidData("shard b.csv has no column y".into()))
        } else {
            Ok(c.rank())
        };
        agree(c, r).map_err(|e| e.to_string())
    });
    assert!(out[0].as_ref().unwrap_err().contains("rank 1 failed"));
    assert!(out[0].as_ref().unwrap_err().contains("b.csv"));
    assert!(out[1].as_ref().unwrap_err().contains("b.csv"));
    assert!(out[2].as_ref().unwrap_err().contains("rank 1 failed"));
    let ok = ThreadGroup::run(2, |c| agree(c, Ok::<_, Error>(c.rank())).unwrap());
    assert_eq!(ok, vec![0, 1]);
}

#[test]
fn exact_sums_across_ranks_equal_the_one_process_sum() {
    let vals: Vec<f64> = (0..999)
        .map(|i| (i as f64 * 0.37).sin() * 10f64.powi(i % 9 - 4))
        .collect();
    let whole = exact_sum(vals.iter().copied());
    for ranks in 1..=4 {
        let out = ThreadGroup::run(ranks, |c| {
            let mut s = ExactSum::new();
            vals.iter()
                .skip(c.rank())
                .step_by(c.size())
                .for_each(|&v| s.add(v));
            s.allreduce(c).unwrap()
        });
        assert!(out.iter().all(|v| v.to_bits() == whole.to_bits()));
    }
}

proptest! {
    #[test]
    fn exact_sum_does_not_depend_on_order(mut v in proptest::collection::vec(-1e300f64..1e300, 0..60),
                                          small in proptest::collection::vec(-1e-300f64..1e-300, 0..20)) {
        v.extend(small);
        let a = exact_sum(v.iter().copied());
        let b = exact_sum(v.iter().rev().copied());
        prop_assert_eq!(a.to_bits(), b.to_bits());
        let mut half = ExactSum::new();
        v[..v.len() / 2].iter().for_each(|&x| half.add(x));
        let mut rest = ExactSum::new();
        v[v.len() / 2..].iter().for_each(|&x| rest.add(x));
        half.merge(&rest);
        prop_assert_eq!(half.value().to_bits(), a.to_bits());
    }

    #[test]
    fn exact_sum_is_within_an_ulp_of_a_wide_sum(v in proptest::collection::vec(-1e6f64..1e6, 1..50)) {
        // Integers times 2^-20 sum exactly in f64 at this size: the exact sum must equal it.
        let grid: Vec<f64> = v.iter().map(|x| (x * 1048576.0).round() / 1048576.0).collect();
        let plain: f64 = grid.iter().sum();
        prop_assert_eq!(exact_sum(grid.iter().copied()), plain);
    }
}
