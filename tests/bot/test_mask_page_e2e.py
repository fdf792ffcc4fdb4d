"""The mask page in a real headless Chromium (Debian's package, installed here when missing): the Region button's
one-time link, a stroke painted with the pointer, the edit in the thread changing only what was painted."""

import asyncio
import io
import os
import shutil
import socket
import subprocess

import aiohttp
import numpy as np
import pytest
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions import interaction
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.actions.pointer_input import PointerInput
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from bot.mask_links import LinkRefused, MaskLink, sign, verify
from tests.bot.conftest import open_world
from tests.bot.test_discord_e2e import buttons, imagine, results

SENT = "Sent: the edit runs in the thread."


def chromium() -> tuple[str, str]:
    """Chromium and its driver from the distribution's packages, installed if missing (CI runs as root)."""
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        if os.geteuid() != 0:
            pytest.skip("chromium and chromium-driver are not installed, and installing them needs root")
        subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium", "chromium-driver"],
            check=True,
            capture_output=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    return shutil.which("chromium"), shutil.which("chromedriver")


@pytest.fixture(scope="session")
def browser():
    binary, driver = chromium()
    options = Options()
    options.binary_location = binary
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=600,900",
    ):
        options.add_argument(argument)
    # The driver given by path: Selenium never looks for one on the network.
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    yield chrome
    chrome.quit()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
async def world(start_service, tmp_path, moderator):
    port = free_port()
    page = {"public_url": f"http://127.0.0.1:{port}", "web_port": port}
    async with open_world(start_service, tmp_path, moderator, bot=page) as world:
        yield world


async def paint_link(world, result: dict) -> str:
    clicked = await world.discord.click(world.member, result["id"], buttons(result)["Region"])
    picker = await world.discord.wait_for(lambda: (m := world.discord.messages.get(clicked.original or "")) and m)
    assert picker["flags"] & 64, "the link is only for the member who pressed Region"
    (link,) = [c for row in picker["components"] for c in row["components"] if c.get("url")]
    assert link["label"] == "Paint it instead"
    return link["url"]


def paint_and_send(browser, url: str, instruction: str) -> str:
    """Open the page, paint a vertical stroke down the left quarter, send it; the status line it ends on."""
    browser.get(url)
    WebDriverWait(browser, 10).until(lambda b: b.execute_script("return document.getElementById('picture').complete"))
    canvas = browser.find_element(By.ID, "paint")
    width, height = canvas.size["width"], canvas.size["height"]
    # Offsets are from the canvas's centre.
    x = -width // 2 + width // 8
    stroke = ActionChains(browser).move_to_element_with_offset(canvas, x, -height // 2 + height // 8)
    stroke.click_and_hold().move_by_offset(0, height * 3 // 4).release().perform()
    browser.find_element(By.ID, "instruction").send_keys(instruction)
    browser.find_element(By.ID, "send").click()
    status = browser.find_element(By.ID, "status")
    WebDriverWait(browser, 20).until(lambda _: status.text and status.text != "Sending…")
    return status.text


def pixels(world, message: dict) -> np.ndarray:
    data = world.discord.files[message["attachments"][0]["id"]]
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


async def test_a_stroke_painted_on_the_page_is_the_only_part_that_changes(world, browser):
    thread_id, first = await imagine(world, "a lighthouse at dusk", seed=7)
    url = await paint_link(world, first)

    status = await asyncio.to_thread(paint_and_send, browser, url, "make it night")
    assert status == SENT

    made = await world.discord.wait_for(lambda: len(results(world, thread_id)) >= 2 and results(world, thread_id))
    assert "**#2** · Edit (lighting) of #1, only the painted area" in made[-1]["content"]
    parent, edited = pixels(world, first), pixels(world, made[-1])
    changed = (parent != edited).any(axis=2)
    columns = np.nonzero(changed.any(axis=0))[0]
    assert changed.any(), "the painted stroke was repainted"
    # The stroke runs down the left quarter (a brush 16 % of the picture wide): nothing right of it changed.
    assert columns.max() < parent.shape[1] // 2

    # The link works once.
    again = await asyncio.to_thread(lambda: (browser.get(url), browser.find_element(By.TAG_NAME, "body").text)[1])
    assert again == "This link was used already: ask for a new one with the Region button."


async def test_an_altered_link_is_refused(world, browser):
    _, first = await imagine(world, "a red kite")
    url = await paint_link(world, first)
    forged = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")

    text = await asyncio.to_thread(lambda: (browser.get(forged), browser.find_element(By.TAG_NAME, "body").text)[1])

    assert text == "This link is not valid: ask for a new one with the Region button."


async def submit(url: str, mask: Image.Image, instruction: str) -> tuple[int, str]:
    buffer = io.BytesIO()
    mask.save(buffer, format="PNG")
    form = aiohttp.FormData()
    form.add_field("mask", buffer.getvalue(), filename="mask.png", content_type="image/png")
    form.add_field("instruction", instruction)
    async with aiohttp.ClientSession() as session, session.post(url, data=form) as response:
        return response.status, (await response.json())["message"]


async def test_a_blank_mask_or_no_instruction_is_refused_and_the_link_stays_usable(world):
    _, first = await imagine(world, "a red kite")
    url = await paint_link(world, first)
    painted = Image.new("L", (64, 64), 0)
    painted.paste(255, (0, 0, 16, 16))

    assert await submit(url, Image.new("L", (64, 64), 0), "make it night") == (
        400,
        "Paint over the part of the picture to change first.",
    )
    assert await submit(url, painted, "  ") == (400, "Say what to change there, e.g. make it night, add a moon.")
    assert await submit(url, painted, "make it night") == (200, SENT)
    assert await submit(url, painted, "make it night") == (
        410,
        "This link was used already: ask for a new one with the Region button.",
    )


def test_a_link_is_refused_once_it_expires_or_is_altered():
    secret = b"s" * 32
    link = MaskLink.new("123", 1, 42, expires=1000.0, locale="fr")
    token = sign(link, secret)

    assert verify(token, secret, now=999.0) == link
    with pytest.raises(LinkRefused, match="expired"):
        verify(token, secret, now=1001.0)
    with pytest.raises(LinkRefused, match="not valid"):
        verify(token, b"t" * 32, now=999.0)
    payload, mac = token.split(".")
    with pytest.raises(LinkRefused, match="not valid"):
        verify(payload[:-2] + "xx." + mac, secret, now=999.0)


def paint_with_a_finger(browser, url: str, instruction: str) -> str:
    """As on a phone: a touch stroke down the right quarter."""
    browser.get(url)
    WebDriverWait(browser, 10).until(lambda b: b.execute_script("return document.getElementById('picture').complete"))
    canvas = browser.find_element(By.ID, "paint")
    width, height = canvas.size["width"], canvas.size["height"]
    finger = ActionBuilder(browser, mouse=PointerInput(interaction.POINTER_TOUCH, "finger"))
    finger.pointer_action.move_to(canvas, width // 2 - width // 8, -height // 2 + height // 8).pointer_down()
    finger.pointer_action.move_to(canvas, width // 2 - width // 8, height // 2 - height // 8).pointer_up()
    finger.perform()
    browser.find_element(By.ID, "instruction").send_keys(instruction)
    browser.find_element(By.ID, "send").click()
    status = browser.find_element(By.ID, "status")
    WebDriverWait(browser, 20).until(lambda _: status.text and status.text != "Sending…")
    return status.text


async def test_a_touch_stroke_paints_as_a_mouse_does(world, browser):
    thread_id, first = await imagine(world, "a lighthouse at dusk", seed=7)
    url = await paint_link(world, first)

    assert await asyncio.to_thread(paint_with_a_finger, browser, url, "make it night") == SENT

    made = await world.discord.wait_for(lambda: len(results(world, thread_id)) >= 2 and results(world, thread_id))
    changed = (pixels(world, first) != pixels(world, made[-1])).any(axis=2)
    assert changed.any() and np.nonzero(changed.any(axis=0))[0].min() >= changed.shape[1] // 2
