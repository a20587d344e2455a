//! primes — counts the primes <= N by trial division and prints the count.
//!
//! N is args[1], or read from stdin when there is no argument. It is
//! deliberately CPU-bound with O(1) memory, so it is handy for testing
//! deadlines: N = 100000 takes ~0.1 s, N = 10000000 ~2 s, N = 30000000 ~13 s
//! (x86-64, V8).
//!
//!   args: ["100"]              # prints 25
//!   echo 1000000 | eddy invoke primes   # prints 78498
//!
//! Build: rustc --target wasm32-wasi --edition 2021 -C opt-level=s -C lto -C codegen-units=1 \
//!          -C strip=symbols primes.rs -o primes.wasm

use std::io::Read;
use std::process::exit;

/// True when n is prime: tries 2, then odd divisors up to sqrt(n).
fn is_prime(n: u64) -> bool {
    if n < 4 {
        return n >= 2;
    }
    if n % 2 == 0 {
        return false;
    }
    let mut d = 3;
    while d <= n / d {
        if n % d == 0 {
            return false;
        }
        d += 2;
    }
    true
}

fn main() {
    let text = match std::env::args().nth(1) {
        Some(arg) => arg,
        None => {
            let mut input = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut input) {
                eprintln!("primes: reading stdin: {e}");
                exit(1);
            }
            input
        }
    };
    let n: u64 = match text.trim().parse() {
        Ok(n) => n,
        Err(_) => {
            eprintln!("primes: N must be a non-negative integer, got {:?}", text.trim());
            exit(1);
        }
    };
    let count = (2..=n).filter(|&k| is_prime(k)).count();
    println!("{count}");
}
