//! The logging macros. Each expands to a `static` callsite, a level check that costs one
//! atomic load when disabled, a compile-time check of the format string, and a call that
//! stages the arguments and fields without formatting them.

/// Logs an event at an explicit level: `event!(Level::Warn, "low battery", volts = 11.1)`.
///
/// See the [crate documentation](crate) for the argument syntax shared by all level macros.
#[macro_export]
macro_rules! event {
    (target: $target:expr, $level:expr, $($rest:tt)+) => {
        $crate::__event!(@start $level, $target, $($rest)+)
    };
    ($level:expr, $($rest:tt)+) => {
        $crate::__event!(@start $level, ::core::module_path!(), $($rest)+)
    };
}

/// Logs an event at TRACE level. See the [crate documentation](crate) for the syntax.
#[macro_export]
macro_rules! trace {
    (target: $target:expr, $($rest:tt)+) => {
        $crate::__event!(@start $crate::Level::Trace, $target, $($rest)+)
    };
    ($($rest:tt)+) => {
        $crate::__event!(@start $crate::Level::Trace, ::core::module_path!(), $($rest)+)
    };
}

/// Logs an event at DEBUG level. See the [crate documentation](crate) for the syntax.
#[macro_export]
macro_rules! debug {
    (target: $target:expr, $($rest:tt)+) => {
        $crate::__event!(@start $crate::Level::Debug, $target, $($rest)+)
    };
    ($($rest:tt)+) => {
        $crate::__event!(@start $crate::Level::Debug, ::core::module_path!(), $($rest)+)
    };
}

/// Logs an event at INFO level. See the [crate documentation](crate) for the syntax.
#[macro_export]
macro_rules! info {
    (target: $target:expr, $($rest:tt)+) => {
        $crate::__event!(@start $crate::Level::Info, $target, $($rest)+)
    };
    ($($rest:tt)+) => {
        $crate::__event!(@start $crate::Level::Info, ::core::module_path!(), $($rest)+)
    };
}

/// Logs an event at WARN level. See the [crate documentation](crate) for the syntax.
#[macro_export]
macro_rules! warn {
    (target: $target:expr, $($rest:tt)+) => {
        $crate::__event!(@start $crate::Level::Warn, $target, $($rest)+)
    };
    ($($rest:tt)+) => {
        $crate::__event!(@start $crate::Level::Warn, ::core::module_path!(), $($rest)+)
    };
}

/// Logs an event at ERROR level. See the [crate documentation](crate) for the syntax.
#[macro_export]
macro_rules! error {
    (target: $target:expr, $($rest:tt)+) => {
        $crate::__event!(@start $crate::Level::Error, $target, $($rest)+)
    };
    ($($rest:tt)+) => {
        $crate::__event!(@start $crate::Level::Error, ::core::module_path!(), $($rest)+)
    };
}

/// Logs an event at CRITICAL level: a failure that ends or endangers the run. See the
/// [crate documentation](crate) for the syntax.
#[macro_export]
macro_rules! critical {
    (target: $target:expr, $($rest:tt)+) => {
        $crate::__event!(@start $crate::Level::Critical, $target, $($rest)+)
    };
    ($($rest:tt)+) => {
        $crate::__event!(@start $crate::Level::Critical, ::core::module_path!(), $($rest)+)
    };
}

/// Splits the arguments into positional message arguments and `name = value` fields, then
/// expands to the event. Not public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __event {
    (@start $level:expr, $target:expr, $msg:literal $(,)?) => {
        $crate::__event!(@parse $level, $target, $msg, [] [])
    };
    (@start $level:expr, $target:expr, $msg:literal, $($rest:tt)+) => {
        $crate::__event!(@parse $level, $target, $msg, [] [] $($rest)+)
    };

    // name = ?value: stored as its Debug text.
    (@parse $level:expr, $target:expr, $msg:literal, [$($a:expr),*] [$($f:tt)*]
        $k:ident = ?$v:expr $(, $($rest:tt)*)?) => {
        $crate::__event!(@parse $level, $target, $msg, [$($a),*] [$($f)* ($k debug $v)] $($($rest)*)?)
    };
    // name = %value: stored as its Display text.
    (@parse $level:expr, $target:expr, $msg:literal, [$($a:expr),*] [$($f:tt)*]
        $k:ident = %$v:expr $(, $($rest:tt)*)?) => {
        $crate::__event!(@parse $level, $target, $msg, [$($a),*] [$($f)* ($k display $v)] $($($rest)*)?)
    };
    // name = value: stored through serde::Serialize.
    (@parse $level:expr, $target:expr, $msg:literal, [$($a:expr),*] [$($f:tt)*]
        $k:ident = $v:expr $(, $($rest:tt)*)?) => {
        $crate::__event!(@parse $level, $target, $msg, [$($a),*] [$($f)* ($k value $v)] $($($rest)*)?)
    };
    // A positional message argument.
    (@parse $level:expr, $target:expr, $msg:literal, [$($a:expr),*] [$($f:tt)*]
        $v:expr $(, $($rest:tt)*)?) => {
        $crate::__event!(@parse $level, $target, $msg, [$($a,)* $v] [$($f)*] $($($rest)*)?)
    };

    (@parse $level:expr, $target:expr, $msg:literal, [$($a:expr),*] [$(($k:ident $kind:ident $v:expr))*]) => {{
        static __TTLOG_CALLSITE: $crate::__private::Callsite = $crate::__private::Callsite::new(
            $level,
            $target,
            ::core::file!(),
            ::core::line!(),
            $msg,
            &[$(::core::stringify!($k)),*],
            $crate::__count!($($a)*),
        );
        if $crate::__private::enabled(&__TTLOG_CALLSITE) {
            // Never runs: makes the compiler check the template against the arguments, with
            // each field bound to its name so `{name}` placeholders are checked too.
            #[allow(unused_variables, unreachable_code, clippy::all)]
            if false {
                // One tuple, so no field's binding shadows a variable another field uses.
                let ($($k,)*) = ($(&$v,)*);
                let _ = ::core::format_args!($msg, $($a),*);
            }
            $crate::__private::emit(&__TTLOG_CALLSITE, |__ttlog_enc| {
                $(__ttlog_enc.value(&$a);)*
                $($crate::__field!(__ttlog_enc, $kind, $v);)*
            });
        }
    }};
}

#[doc(hidden)]
#[macro_export]
macro_rules! __field {
    ($enc:ident, value, $v:expr) => {
        $enc.value(&$v)
    };
    ($enc:ident, debug, $v:expr) => {
        $enc.debug(&$v)
    };
    ($enc:ident, display, $v:expr) => {
        $enc.display(&$v)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __count {
    () => { 0u32 };
    ($head:tt $($tail:tt)*) => { 1u32 + $crate::__count!($($tail)*) };
}
