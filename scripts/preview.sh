#!/usr/bin/env bash
# Preview the built cards: output/*.docx (and *.hwpx / *.hwp when LibreOffice can open them)
# → PDF with LibreOffice → page 1 as PNG, all in output/preview/.
#
# Usage: scripts/preview.sh [OUTPUT_DIR]     (default: output)
# Needs soffice (libreoffice-writer-nogui), pdftoppm (poppler-utils) and a Korean font
# (fonts-nanum); installs them with apt-get when missing and run as root.
set -euo pipefail

OUT="${1:-output}"
PYTHON="${PYTHON:-.venv/bin/python}"
PREVIEW="$OUT/preview"

say() { printf '%s\n' "$*"; }

missing_packages() {
    local packages=()
    command -v soffice >/dev/null 2>&1 || packages+=(libreoffice-writer-nogui)
    command -v pdftoppm >/dev/null 2>&1 || packages+=(poppler-utils)
    if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=ko family 2>/dev/null)" ]; then
        packages+=(fonts-nanum)
    fi
    printf '%s\n' "${packages[@]}"
}

ensure_tools() {
    local packages
    mapfile -t packages < <(missing_packages | sed '/^$/d')
    [ "${#packages[@]}" -eq 0 ] && return 0
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "미리보기 도구 설치 / installing preview tools: ${packages[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" fonts-nanum
    else
        say "미리보기에 필요한 패키지가 없습니다 / missing packages for the preview: ${packages[*]}"
        say "  → sudo apt-get update && sudo apt-get install ${packages[*]}"
        exit 1
    fi
    for tool in soffice pdftoppm; do
        command -v "$tool" >/dev/null 2>&1 || { say "설치 후에도 $tool 이(가) 없습니다 / $tool still missing"; exit 1; }
    done
}

# Cards name 맑은 고딕 (Malgun Gothic), which Linux lacks: map it to NanumGothic so that the
# preview has Korean metrics close to Word's instead of a Latin fallback font.
font_config() {
    local dir="$1"
    cat >"$dir/fonts.conf" <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <alias binding="same"><family>맑은 고딕</family><prefer><family>NanumGothic</family></prefer></alias>
  <alias binding="same"><family>Malgun Gothic</family><prefer><family>NanumGothic</family></prefer></alias>
  <alias binding="same"><family>함초롬바탕</family><prefer><family>NanumMyeongjo</family></prefer></alias>
  <alias binding="same"><family>함초롬돋움</family><prefer><family>NanumGothic</family></prefer></alias>
  <alias binding="same"><family>휴먼명조</family><prefer><family>NanumMyeongjo</family></prefer></alias>
</fontconfig>
EOF
    export FONTCONFIG_FILE="$dir/fonts.conf"
}

# The import filter LibreOffice has for a Hangul extension (hwp: only the old HWP 97 format;
# hwpx: none before LibreOffice 24), or "" when it has none. Forcing the filter keeps
# LibreOffice from opening an unknown file as plain text.
hangul_filter() {
    local ext="$1" registry
    registry="$(dirname "$(readlink -f "$(command -v soffice)")")/../share/registry"
    case "$ext" in
        hwp) grep -qs 'writer_MIZI_Hwp_97' "$registry"/*.xcd && echo "writer_MIZI_Hwp_97" ;;
        hwpx) grep -qs '<value>[^<]*hwpx' "$registry"/*.xcd && echo "auto" ;;
    esac
    return 0
}

# convert SOURCE PDF_NAME [FILTER]: SOURCE → $PREVIEW/PDF_NAME.pdf and PDF_NAME.png (page 1);
# returns 1 when LibreOffice could not convert it
convert() {
    local source="$1" name="$2" filter="${3:-auto}" work="$TMP/convert"
    local args=("-env:UserInstallation=file://$TMP/profile" --headless)
    [ "$filter" != auto ] && args+=("--infilter=$filter")
    rm -rf "$work" && mkdir -p "$work"
    timeout 300 soffice "${args[@]}" --convert-to pdf --outdir "$work" "$source" >"$TMP/soffice.log" 2>&1 || true
    local produced="$work/$(basename "${source%.*}").pdf"
    if [ ! -s "$produced" ]; then
        return 1
    fi
    mv "$produced" "$PREVIEW/$name.pdf"
    pdftoppm -png -r 60 -f 1 -l 1 -singlefile "$PREVIEW/$name.pdf" "$PREVIEW/$name"
}

main() {
    shopt -s nullglob
    local docs=("$OUT"/*.docx) others=("$OUT"/*.hwpx "$OUT"/*.hwp)
    if [ "${#docs[@]}" -eq 0 ] && [ "${#others[@]}" -eq 0 ]; then
        say "$OUT/ 에 .docx/.hwpx/.hwp 카드가 없습니다 / no .docx/.hwpx/.hwp cards in $OUT/ (run 'make run' first)"
        exit 1
    fi
    ensure_tools
    mkdir -p "$PREVIEW"
    TMP="$(mktemp -d)"
    trap 'rm -rf "$TMP"' EXIT
    font_config "$TMP"
    local made=0 skipped=0 source stem filter
    for source in "${docs[@]}"; do
        stem="$(basename "${source%.*}")"
        if convert "$source" "$stem"; then
            say "  $source → $PREVIEW/$stem.pdf, $stem.png"; made=$((made + 1))
        else
            say "  변환 실패 / conversion failed: $source"; sed 's/^/    /' "$TMP/soffice.log"; skipped=$((skipped + 1))
        fi
    done
    for source in "${others[@]}"; do
        stem="$(basename "$source")"; stem="${stem%.*}-${source##*.}"
        filter="$(hangul_filter "${source##*.}")"
        if [ -z "$filter" ] || ! convert "$source" "$stem" "$filter"; then
            # LibreOffice has no HWP 5.0/HWPX import: go through pyhwp's ODT transform instead
            if "$PYTHON" "$(dirname "$0")/hangul_to_fodt.py" "$source" "$TMP/$stem.fodt" 2>"$TMP/soffice.log" \
                && convert "$TMP/$stem.fodt" "$stem"; then
                say "  $source → $PREVIEW/$stem.pdf, $stem.png (pyhwp ODT)"; made=$((made + 1))
            else
                say "  건너뜀: 한글 파일을 변환하지 못했습니다 / skipped, could not convert: $source"
                sed 's/^/    /' "$TMP/soffice.log"; skipped=$((skipped + 1))
            fi
        else
            say "  $source → $PREVIEW/$stem.pdf, $stem.png"; made=$((made + 1))
        fi
    done
    say "미리보기 $made개, 건너뜀 $skipped개 → $PREVIEW/ / $made previews, $skipped skipped → $PREVIEW/"
}

main
