#!/usr/bin/env bash
# System packages the tests and the preview use: LibreOffice (DOCX/XLSX → PDF), poppler-utils
# (pdftotext, pdftoppm), a Korean font (fonts-nanum) and Debian's chromium (the web application's
# browser tests drive /usr/bin/chromium with Playwright; no browser is downloaded). Installed with
# apt-get when missing and
# run as root; otherwise it says what is missing and the tests that need them skip with that reason.
set -u
need=()
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui libreoffice-calc-nogui)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
fc-list :lang=ko family 2>/dev/null | grep -q . || need+=(fonts-nanum)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "시스템 패키지 설치 / installing system packages: ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null \
        || echo "설치 실패: PDF·브라우저 시험은 건너뜁니다 / install failed: PDF and browser tests will be skipped"
else
    echo "없는 시스템 패키지 / missing system packages: ${need[*]} (sudo apt-get install ${need[*]}); PDF and browser tests will be skipped"
fi
exit 0
